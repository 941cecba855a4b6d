package io.turnrelay.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.metrics.RelayMetric;
import io.turnrelay.api.metrics.RelayMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link Relay}'s metrics ({@link RelayMetrics#all()}) to a Micrometer registry: gauges and function counters,
 * and a function timer (count and total) for allocation lifetimes, all reading {@link Relay#stats()} snapshots, so the
 * relay's data path does no work for them. One snapshot serves every meter read within {@code snapshotReuse} (one
 * scrape), so a scrape reads the relay's counters once. Tags: {@code transport} ({@code udp}, {@code tcp}, {@code tls})
 * where a metric has a client side, {@code direction}, drop and close reasons, response method and code, plus the
 * tags given here. Series that a later snapshot shows for the first time (a new response code, reasons once the
 * relay has started) get their meters then. No meter has a per-user tag.
 *
 * <p>Histograms of other units than seconds (relayed datagram sizes) are not bound: Micrometer has no meter for
 * buckets counted elsewhere; the packet and byte counters give the mean size.
 *
 * <pre>{@code
 * new TurnRelayMetrics(relay, Tags.of("relay", "eu-1")).bindTo(registry);
 * }</pre>
 */
public final class TurnRelayMetrics implements MeterBinder {
    private static final Duration DEFAULT_SNAPSHOT_REUSE = Duration.ofSeconds(1);

    private final Relay relay;
    private final Tags tags;
    private final long snapshotReuseNanos;

    public TurnRelayMetrics(Relay relay) {
        this(relay, Tags.empty());
    }

    public TurnRelayMetrics(Relay relay, Iterable<Tag> tags) {
        this(relay, tags, DEFAULT_SNAPSHOT_REUSE);
    }

    /**
     * @param snapshotReuse how long one snapshot of the relay's counters serves meter reads (by the registry's clock)
     * @throws IllegalArgumentException when {@code snapshotReuse} is negative
     */
    public TurnRelayMetrics(Relay relay, Iterable<Tag> tags, Duration snapshotReuse) {
        if (snapshotReuse.isNegative()) {
            throw new IllegalArgumentException("snapshotReuse: not negative, not " + snapshotReuse);
        }
        this.relay = relay;
        this.tags = Tags.of(tags);
        this.snapshotReuseNanos = snapshotReuse.toNanos();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new Binding(registry).snapshot();
    }

    /** One registry's meters and the snapshot they read. */
    private final class Binding {
        private final MeterRegistry registry;
        /** The keys of the series that have their meter; written under this binding's lock. */
        private final Set<String> registered = new HashSet<>();
        private volatile @Nullable Snapshot current;

        Binding(MeterRegistry registry) {
            this.registry = registry;
        }

        /** The snapshot of this scrape: the last one while it is fresh, else a new one, whose new series get their meters. */
        Snapshot snapshot() {
            long now = registry.config().clock().monotonicTime();
            Snapshot last = current;
            if (last != null && now - last.takenAt < snapshotReuseNanos) {
                return last;
            }
            synchronized (this) {
                last = current;
                if (last != null && now - last.takenAt < snapshotReuseNanos) {
                    return last;
                }
                Snapshot fresh = new Snapshot(now, relay.stats());
                current = fresh;
                fresh.series.forEach((key, series) -> {
                    if (registered.add(key)) {
                        register(key, series);
                    }
                });
                return fresh;
            }
        }

        private void register(String key, Series series) {
            RelayMetric metric = series.metric;
            Tags meterTags = tags.and(series.tags);
            // The relay is the meters' object (held weakly by Micrometer): once it is gone they read NaN.
            switch (metric.type()) {
                case GAUGE -> Gauge.builder(metric.name(), relay, r -> snapshot().value(key)).tags(meterTags)
                        .description(metric.help()).baseUnit(metric.unit()).register(registry);
                case COUNTER -> FunctionCounter.builder(metric.name(), relay, r -> snapshot().value(key)).tags(meterTags)
                        .description(metric.help()).baseUnit(metric.unit()).register(registry);
                case HISTOGRAM -> {
                    if ("seconds".equals(metric.unit())) {
                        FunctionTimer.builder(metric.name(), relay, r -> snapshot().histogram(key).count(),
                                r -> snapshot().histogram(key).sum(), TimeUnit.SECONDS).tags(meterTags)
                                .description(metric.help()).register(registry);
                    }
                }
            }
        }
    }

    /** One series of a metric: its tags and, from one snapshot, its value or histogram. */
    private record Series(RelayMetric metric, Tags tags, double value, @Nullable Histogram histogram) {}

    /** Every series of every relay metric read from one {@link RelayStats}, by a key of metric name and tags. */
    private static final class Snapshot {
        final long takenAt;
        final Map<String, Series> series = new HashMap<>();

        Snapshot(long takenAt, RelayStats stats) {
            this.takenAt = takenAt;
            for (RelayMetric metric : RelayMetrics.all()) {
                List<String> names = metric.labelNames();
                metric.read(stats, new RelayMetric.Series() {
                    @Override
                    public void value(double value, String... labelValues) {
                        add(metric, labelValues, value, null);
                    }

                    @Override
                    public void histogram(Histogram histogram, String... labelValues) {
                        add(metric, labelValues, Double.NaN, histogram);
                    }

                    private void add(RelayMetric metric, String[] labelValues, double value, @Nullable Histogram histogram) {
                        Tags seriesTags = Tags.empty();
                        for (int i = 0; i < labelValues.length; i++) {
                            seriesTags = seriesTags.and(names.get(i), labelValues[i]);
                        }
                        series.put(metric.name() + seriesTags, new Series(metric, seriesTags, value, histogram));
                    }
                });
            }
        }

        /** A gauge's or counter's value; 0 for a series this snapshot lacks. */
        double value(String key) {
            Series found = series.get(key);
            return found == null ? 0 : found.value;
        }

        /** A histogram; empty for a series this snapshot lacks. */
        Histogram histogram(String key) {
            Series found = series.get(key);
            Histogram histogram = found == null ? null : found.histogram;
            return histogram == null ? Histogram.empty() : histogram;
        }
    }
}
