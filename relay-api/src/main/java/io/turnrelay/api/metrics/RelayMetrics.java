package io.turnrelay.api.metrics;

import static io.turnrelay.api.metrics.RelayMetric.Type.COUNTER;
import static io.turnrelay.api.metrics.RelayMetric.Type.GAUGE;
import static io.turnrelay.api.metrics.RelayMetric.Type.HISTOGRAM;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.metrics.RelayMetric.Type;
import io.turnrelay.api.offload.OffloadCounters;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Every metric of a relay, in the order exporters list them. Each metric with a client side carries a
 * {@code transport} label ({@code udp}, {@code tcp}, {@code tls}), every transport always present so the series do
 * not come and go; connection metrics exist for the stream transports only. No metric has a per-user label: a relay
 * with many users would make as many series (coturn#666). A metric read from a {@link RelayStats} field is one line
 * below, e.g. {@code total("turnrelay.example", GAUGE, "Help.", RelayStats::example)}.
 */
public final class RelayMetrics {
    /** The {@code transport} label of drops of peer datagrams that reached no allocation, hence no client. */
    public static final String NO_CLIENT = "none";
    /** The {@code datapath} label of what the relay relayed itself. */
    public static final String USERSPACE = "userspace";
    /** The {@code datapath} label of what the relay's fast path ({@link io.turnrelay.api.RelayConfig#channelOffload()}) relayed. */
    public static final String XDP = "xdp";

    private static final List<ClientTransport> STREAMS = List.of(ClientTransport.TCP, ClientTransport.TLS);

    private static final List<RelayMetric> ALL = List.of(
            perTransport("turnrelay.allocations", GAUGE, "Active allocations, by client transport.", ClientTransportStats::allocations),
            perTransport("turnrelay.channels", GAUGE, "Bound channels, by client transport.", ClientTransportStats::channels),
            perTransport("turnrelay.permissions", GAUGE, "Installed permissions, by client transport.", ClientTransportStats::permissions),
            relayed("turnrelay.relayed.packets", null, "Messages relayed, by client transport, direction and data path.",
                    ClientTransportStats::packetsClientToPeer, ClientTransportStats::packetsPeerToClient,
                    OffloadCounters::packetsClientToPeer, OffloadCounters::packetsPeerToClient),
            relayed("turnrelay.relayed.bytes", "bytes", "Payload bytes relayed, by client transport, direction and data path.",
                    ClientTransportStats::bytesClientToPeer, ClientTransportStats::bytesPeerToClient,
                    OffloadCounters::bytesClientToPeer, OffloadCounters::bytesPeerToClient),
            new RelayMetric("turnrelay.dropped.packets", COUNTER, "Messages dropped without an answer, by client transport and reason;"
                    + " transport \"" + NO_CLIENT + "\" for peer datagrams that reached no allocation.", null,
                    List.of("transport", "reason"), RelayMetrics::drops),
            new RelayMetric("turnrelay.responses", COUNTER, "Responses sent, by client transport, method and error code (0 is success).",
                    null, List.of("transport", "method", "code"), RelayMetrics::responses),
            total("turnrelay.send.drops", COUNTER, "Datagrams and frames the transport dropped because a socket or send queue was full.",
                    RelayStats::sendDrops),
            total("turnrelay.events.dropped", COUNTER, "Relay events (allocation usage among them) lost because the event queue was full.",
                    RelayStats::eventsDropped),
            perStreamTransport("turnrelay.connections", GAUGE, "Open TCP and TLS client connections, by transport.",
                    ClientTransportStats::connectionsOpen),
            perStreamTransport("turnrelay.connections.accepted", COUNTER, "TCP and TLS client connections accepted, refused ones included.",
                    ClientTransportStats::connectionsAccepted),
            perStreamTransportAndKey("turnrelay.connections.closed", "TCP and TLS client connections ended, by transport and reason"
                    + " (per_ip_limit and connection_limit are refusals at accept).", "reason", ClientTransportStats::connectionsClosed),
            perStreamTransport("turnrelay.queue.drops", COUNTER, "Relayed frames dropped because a connection's send queue was full, by transport.",
                    ClientTransportStats::queueDrops),
            histogramPerTransport("turnrelay.allocation.duration", "seconds",
                    "How long allocations lived, by client transport, observed when each ended.", ClientTransportStats::allocationDurations),
            histogramPerDirection("turnrelay.relayed.datagram.size", "bytes",
                    "Payload size of each relayed datagram, by client transport and direction.",
                    ClientTransportStats::datagramSizesClientToPeer, ClientTransportStats::datagramSizesPeerToClient));

    private RelayMetrics() {}

    /** Every metric, each name once. */
    public static List<RelayMetric> all() {
        return ALL;
    }

    /** A metric without labels read from a field of the totals. */
    static RelayMetric total(String name, Type type, String help, ToLongFunction<RelayStats> value) {
        return new RelayMetric(name, type, help, null, List.of(), (stats, series) -> series.value(value.applyAsLong(stats)));
    }

    /** A gauge or counter labelled by {@code transport}, every client transport present. */
    static RelayMetric perTransport(String name, Type type, String help, ToLongFunction<ClientTransportStats> value) {
        return new RelayMetric(name, type, help, null, List.of("transport"), (stats, series) -> {
            for (ClientTransport transport : ClientTransport.values()) {
                series.value(value.applyAsLong(stats.of(transport)), transport.label());
            }
        });
    }

    /** A gauge or counter of the stream transports (TCP, TLS), labelled by {@code transport}. */
    static RelayMetric perStreamTransport(String name, Type type, String help, ToLongFunction<ClientTransportStats> value) {
        return new RelayMetric(name, type, help, null, List.of("transport"), (stats, series) -> {
            for (ClientTransport transport : STREAMS) {
                series.value(value.applyAsLong(stats.of(transport)), transport.label());
            }
        });
    }

    /** A counter of the stream transports by the keys of a per-transport map, labelled {@code transport} and {@code keyLabel}. */
    static RelayMetric perStreamTransportAndKey(String name, String help, String keyLabel,
            Function<ClientTransportStats, Map<String, Long>> counts) {
        return new RelayMetric(name, COUNTER, help, null, List.of("transport", keyLabel), (stats, series) -> {
            TreeSet<String> keys = new TreeSet<>();
            for (ClientTransport transport : STREAMS) {
                keys.addAll(counts.apply(stats.of(transport)).keySet());
            }
            for (ClientTransport transport : STREAMS) {
                Map<String, Long> of = counts.apply(stats.of(transport));
                for (String key : keys) {
                    series.value(of.getOrDefault(key, 0L), transport.label(), key);
                }
            }
        });
    }

    /**
     * A counter labelled {@code transport}, {@code direction} and {@code datapath}: {@code userspace} for what the
     * relay relayed itself (every transport), {@code xdp} for what its fast path relayed (UDP clients only; zero
     * without one), so that summing over {@code datapath} gives everything relayed.
     */
    static RelayMetric relayed(String name, @Nullable String unit, String help, ToLongFunction<ClientTransportStats> toPeer,
            ToLongFunction<ClientTransportStats> toClient, ToLongFunction<OffloadCounters> offloadedToPeer,
            ToLongFunction<OffloadCounters> offloadedToClient) {
        return new RelayMetric(name, COUNTER, help, unit, List.of("transport", "direction", "datapath"), (stats, series) -> {
            for (ClientTransport transport : ClientTransport.values()) {
                ClientTransportStats of = stats.of(transport);
                series.value(toPeer.applyAsLong(of), transport.label(), "client_to_peer", USERSPACE);
                series.value(toClient.applyAsLong(of), transport.label(), "peer_to_client", USERSPACE);
            }
            String udp = ClientTransport.UDP.label();
            series.value(offloadedToPeer.applyAsLong(stats.offloaded()), udp, "client_to_peer", XDP);
            series.value(offloadedToClient.applyAsLong(stats.offloaded()), udp, "peer_to_client", XDP);
        });
    }

    /** A histogram labelled by {@code transport}, every client transport present. */
    static RelayMetric histogramPerTransport(String name, String unit, String help, Function<ClientTransportStats, Histogram> histogram) {
        return new RelayMetric(name, HISTOGRAM, help, unit, List.of("transport"), (stats, series) -> {
            for (ClientTransport transport : ClientTransport.values()) {
                series.histogram(histogram.apply(stats.of(transport)), transport.label());
            }
        });
    }

    /** A histogram labelled {@code transport} and {@code direction}. */
    static RelayMetric histogramPerDirection(String name, String unit, String help, Function<ClientTransportStats, Histogram> toPeer,
            Function<ClientTransportStats, Histogram> toClient) {
        return new RelayMetric(name, HISTOGRAM, help, unit, List.of("transport", "direction"), (stats, series) -> {
            for (ClientTransport transport : ClientTransport.values()) {
                ClientTransportStats of = stats.of(transport);
                series.histogram(toPeer.apply(of), transport.label(), "client_to_peer");
                series.histogram(toClient.apply(of), transport.label(), "peer_to_client");
            }
        });
    }

    /** Drops by transport and reason; the totals hold the peer side too, each transport's counters only their clients'. */
    private static void drops(RelayStats stats, RelayMetric.Series series) {
        TreeSet<String> reasons = new TreeSet<>(stats.dropsByReason().keySet());
        for (ClientTransport transport : ClientTransport.values()) {
            reasons.addAll(stats.of(transport).dropsByReason().keySet());
        }
        for (String reason : reasons) {
            String label = reason.toLowerCase(Locale.ROOT);
            long attributed = 0;
            for (ClientTransport transport : ClientTransport.values()) {
                long count = stats.of(transport).dropsByReason().getOrDefault(reason, 0L);
                attributed += count;
                series.value(count, transport.label(), label);
            }
            series.value(Math.max(0, stats.dropsByReason().getOrDefault(reason, 0L) - attributed), NO_CLIENT, label);
        }
    }

    /** Responses by transport, method and code, from keys {@code "<method>/<code>"}. */
    private static void responses(RelayStats stats, RelayMetric.Series series) {
        for (ClientTransport transport : ClientTransport.values()) {
            for (Map.Entry<String, Long> response : new TreeMap<>(stats.of(transport).responses()).entrySet()) {
                String key = response.getKey();
                int slash = key.lastIndexOf('/');
                String method = slash < 0 ? key : key.substring(0, slash);
                String code = slash < 0 ? "" : key.substring(slash + 1);
                series.value(response.getValue(), transport.label(), method.toLowerCase(Locale.ROOT), code);
            }
        }
    }
}
