package io.turnrelay.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import io.turnrelay.api.metrics.RelayMetric;
import io.turnrelay.api.metrics.TopUsers;
import io.turnrelay.api.metrics.TopUsers.UserBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The opt-in per-user meters: gauges {@code turnrelay.top.user.relayed} and {@code turnrelay.top.user.overcount}
 * (bytes; {@link TopUsers#metrics()} names them), tagged {@code user}, for the users a {@link TopUsers} reports, so their number stays bounded. Register this
 * as the relay's event listener in place of the {@link TopUsers} (it passes the events on): after each ended
 * allocation it updates the values, and the meters when a user enters or leaves the top, on the relay's event thread.
 *
 * <pre>{@code
 * TopUsersMetrics topUsers = new TopUsersMetrics(new TopUsers(10));
 * RelayConfig config = RelayConfig.builder()...events(EventSettings.to(topUsers)).build();
 * topUsers.bindTo(registry);
 * }</pre>
 */
public final class TopUsersMetrics implements MeterBinder, RelayEventListener {
    private final TopUsers top;
    private final Tags tags;
    /** The registries it is bound to; this object's lock orders binding and updates. */
    private final List<Gauges> bound = new ArrayList<>();
    /** What the gauges read: the users reported after the last ended allocation. */
    private volatile Map<String, UserBytes> current = Map.of();

    public TopUsersMetrics(TopUsers top) {
        this(top, Tags.empty());
    }

    public TopUsersMetrics(TopUsers top, Iterable<Tag> tags) {
        this.top = top;
        this.tags = Tags.of(tags);
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Gauges gauges = new Gauges(registry);
        bound.add(gauges);
        gauges.show(current);
    }

    @Override
    public synchronized void onEvent(RelayEvent event) {
        top.onEvent(event);
        if (event instanceof RelayEvent.AllocationDeleted) {
            Map<String, UserBytes> users = top.top().stream().collect(Collectors.toMap(UserBytes::user, Function.identity()));
            boolean sameUsers = users.keySet().equals(current.keySet());
            current = users;
            if (!sameUsers) {
                for (Gauges gauges : bound) {
                    gauges.show(users);
                }
            }
        }
    }

    private double bytesOf(String user) {
        UserBytes bytes = current.get(user);
        return bytes == null ? Double.NaN : bytes.bytes();
    }

    private double overcountOf(String user) {
        UserBytes bytes = current.get(user);
        return bytes == null ? Double.NaN : bytes.maxOvercount();
    }

    /** One registry's two multi-gauges. */
    private final class Gauges {
        private final MultiGauge relayed;
        private final MultiGauge overcount;

        Gauges(MeterRegistry registry) {
            relayed = multiGauge(top.relayedMetric(), registry);
            overcount = multiGauge(top.overcountMetric(), registry);
        }

        private MultiGauge multiGauge(RelayMetric metric, MeterRegistry registry) {
            return MultiGauge.builder(metric.name()).tags(tags).baseUnit(metric.unit()).description(metric.help()).register(registry);
        }

        /** Meters for exactly {@code users}: a user who left the top loses its meters. */
        void show(Map<String, UserBytes> users) {
            List<MultiGauge.Row<?>> relayedRows = new ArrayList<>(users.size());
            List<MultiGauge.Row<?>> overcountRows = new ArrayList<>(users.size());
            for (String user : users.keySet()) {
                Tags userTag = Tags.of("user", user);
                relayedRows.add(MultiGauge.Row.of(userTag, TopUsersMetrics.this, metrics -> metrics.bytesOf(user)));
                overcountRows.add(MultiGauge.Row.of(userTag, TopUsersMetrics.this, metrics -> metrics.overcountOf(user)));
            }
            relayed.register(relayedRows, true);
            overcount.register(overcountRows, true);
        }
    }
}
