package io.turnrelay.cli.ops;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.metrics.RelayMetric;
import io.turnrelay.api.metrics.RelayMetrics;
import io.turnrelay.cli.portal.PortalState;
import io.turnrelay.xdp.XdpStatistics;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The Prometheus collector of the standalone relay: every {@link RelayMetrics#all() relay metric} read from one
 * {@link RelayStats} snapshot per scrape (the relay's counters are read, never updated here), then any more it was
 * given (the opt-in top users), then the process's own: the TLS certificate's expiry and reloads, and the portal state. The histograms are the relay's fixed buckets,
 * passed on as classic Prometheus histograms.
 */
public final class RelayCollector implements MultiCollector {
    private final Supplier<RelayStats> stats;
    private final Supplier<@Nullable PortalState> portal;
    private final Supplier<@Nullable TlsMetrics> tls;
    private final Supplier<DrainMetrics> drain;
    private final Supplier<@Nullable XdpStatistics> xdp;
    private final List<RelayMetric> more;

    /**
     * @param portal the portal's state, or a supplier of null in standalone mode (its state gauges are then all 0)
     * @param tls the certificate's expiry and reload counts, or a supplier of null without TLS (no TLS metrics then)
     */
    public RelayCollector(Supplier<RelayStats> stats, Supplier<@Nullable PortalState> portal, Supplier<@Nullable TlsMetrics> tls) {
        this(stats, portal, tls, () -> DrainMetrics.NOT_DRAINING, () -> null, List.of());
    }

    /**
     * @param drain whether the relay drains (SIGUSR1), and until when
     * @param xdp the XDP data plane's counters and table size, or a supplier of null without --xdp (no XDP metrics then)
     * @param more metrics written after the relay's, e.g. {@link io.turnrelay.api.metrics.TopUsers#metrics()}
     */
    public RelayCollector(Supplier<RelayStats> stats, Supplier<@Nullable PortalState> portal, Supplier<@Nullable TlsMetrics> tls,
            Supplier<DrainMetrics> drain, Supplier<@Nullable XdpStatistics> xdp, List<RelayMetric> more) {
        this.stats = stats;
        this.portal = portal;
        this.tls = tls;
        this.drain = drain;
        this.xdp = xdp;
        this.more = List.copyOf(more);
    }

    @Override
    public MetricSnapshots collect() {
        RelayStats snapshot = stats.get();
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (RelayMetric metric : RelayMetrics.all()) {
            out.metricSnapshot(snapshot(metric, snapshot));
        }
        for (RelayMetric metric : more) {
            out.metricSnapshot(snapshot(metric, snapshot));
        }
        TlsMetrics certificate = tls.get();
        if (certificate != null) {
            out.metricSnapshot(GaugeSnapshot.builder().name("turnrelay_tls_certificate_not_after_seconds").unit(Unit.SECONDS)
                    .help("Expiry (notAfter) of the TLS certificate served now, in Unix seconds.")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(certificate.notAfterEpochSeconds()).build()).build());
            out.metricSnapshot(CounterSnapshot.builder().name("turnrelay_tls_reloads")
                    .help("Checks of the certificate files (SIGHUP or periodic), by result.")
                    .dataPoint(counter(certificate.reloaded(), Labels.of("result", "reloaded")))
                    .dataPoint(counter(certificate.unchanged(), Labels.of("result", "unchanged")))
                    .dataPoint(counter(certificate.failed(), Labels.of("result", "failed"))).build());
        }
        XdpStatistics kernel = xdp.get();
        if (kernel != null) {
            // What the program relayed is turnrelay_relayed_*{datapath="xdp"}; these say how well the offload works.
            out.metricSnapshot(gauge("turnrelay_xdp_table_entries", "Entries in the XDP program's tables: two per channel it relays.",
                    kernel.entries()));
            out.metricSnapshot(CounterSnapshot.builder().name("turnrelay_xdp_passed")
                    .help("Datagrams the XDP program passed up for the relay to relay, by reason: no table entry yet (missed)"
                            + " or no next hop on the interface they came in on (unroutable).")
                    .dataPoint(counter(kernel.missed(), Labels.of("reason", "missed")))
                    .dataPoint(counter(kernel.unroutable(), Labels.of("reason", "unroutable"))).build());
        }
        DrainMetrics draining = drain.get();
        out.metricSnapshot(gauge("turnrelay_draining", "1 while the relay drains (SIGUSR1): /readyz is 503, new allocations are refused,"
                + " and the process exits once the allocations left are gone or the drain deadline passes; else 0.", draining.draining() ? 1 : 0));
        out.metricSnapshot(gauge("turnrelay_drain_allocations_left", "Allocations a drain still waits for (every allocation while draining);"
                + " 0 when not draining.", draining.draining() ? snapshot.allocations() : 0));
        out.metricSnapshot(gauge("turnrelay_drain_deadline_seconds", "When the drain deletes the allocations left, in Unix seconds;"
                + " 0 when not draining or without --drain-deadline.", draining.deadlineEpochSeconds()));
        PortalState current = portal.get();
        GaugeSnapshot.Builder states = GaugeSnapshot.builder().name("turnrelay_portal_state")
                .help("1 for the current portal connection state; all 0 in standalone mode.");
        for (PortalState state : PortalState.values()) {
            states.dataPoint(GaugeDataPointSnapshot.builder().value(state == current ? 1 : 0)
                    .labels(Labels.of("state", state.name().toLowerCase(Locale.ROOT))).build());
        }
        out.metricSnapshot(states.build());
        return out.build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    /** One relay metric's series as the Prometheus snapshot of its type. */
    static MetricSnapshot snapshot(RelayMetric metric, RelayStats stats) {
        String[] names = metric.labelNames().toArray(new String[0]);
        CounterSnapshot.Builder counters = CounterSnapshot.builder();
        GaugeSnapshot.Builder gauges = GaugeSnapshot.builder();
        HistogramSnapshot.Builder histograms = HistogramSnapshot.builder();
        metric.read(stats, new RelayMetric.Series() {
            @Override
            public void value(double value, String... labelValues) {
                Labels labels = Labels.of(names, labelValues);
                if (metric.type() == RelayMetric.Type.COUNTER) {
                    counters.dataPoint(counter(value, labels));
                } else {
                    gauges.dataPoint(GaugeDataPointSnapshot.builder().value(value).labels(labels).build());
                }
            }

            @Override
            public void histogram(Histogram histogram, String... labelValues) {
                histograms.dataPoint(HistogramDataPointSnapshot.builder().classicHistogramBuckets(buckets(histogram)).sum(histogram.sum())
                        .labels(Labels.of(names, labelValues)).build());
            }
        });
        MetricSnapshot.Builder<?> builder = switch (metric.type()) {
            case COUNTER -> counters;
            case GAUGE -> gauges;
            case HISTOGRAM -> histograms;
        };
        String unit = metric.unit();
        return builder.name(metric.prometheusName()).help(metric.help()).unit(unit == null ? null : new Unit(unit)).build();
    }

    private static ClassicHistogramBuckets buckets(Histogram histogram) {
        double[] bounds = new double[histogram.buckets()];
        long[] counts = new long[histogram.buckets()];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = histogram.upperBound(i);
            counts[i] = histogram.countIn(i);
        }
        return ClassicHistogramBuckets.of(bounds, counts);
    }

    private static CounterDataPointSnapshot counter(double value, Labels labels) {
        return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
