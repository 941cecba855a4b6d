package io.turnrelay.cli.ops;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import io.turnrelay.core.spi.CloseReason;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Renders {@link RelayStats} in the Prometheus text exposition format 0.0.4. Every metric that has a client side
 * carries a {@code transport} label ({@code udp}, {@code tcp}, {@code tls}), each transport always present so the
 * series do not come and go; connection metrics exist for the stream transports only.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The {@code transport} label of drops of peer datagrams that reached no allocation, hence no client. */
    static final String NO_CLIENT = "none";

    private static final List<ClientTransport> STREAMS = List.of(ClientTransport.TCP, ClientTransport.TLS);

    private final StringBuilder out = new StringBuilder(8192);

    private PrometheusText() {}

    /** Without TLS. */
    public static String render(RelayStats stats, @Nullable PortalState portal) {
        return render(stats, portal, null);
    }

    /** Not draining. */
    public static String render(RelayStats stats, @Nullable PortalState portal, @Nullable TlsMetrics tls) {
        return render(stats, portal, tls, DrainMetrics.NOT_DRAINING);
    }

    /** {@code portal} is null in standalone mode (its state gauges are then all 0), {@code tls} when no TLS is served. */
    public static String render(RelayStats stats, @Nullable PortalState portal, @Nullable TlsMetrics tls, DrainMetrics drain) {
        PrometheusText text = new PrometheusText();
        text.perTransport("turnrelay_allocations", "gauge", "Active allocations, by client transport.", stats, ClientTransportStats::allocations);
        text.perTransport("turnrelay_channels", "gauge", "Bound channels, by client transport.", stats, ClientTransportStats::channels);
        text.perTransport("turnrelay_permissions", "gauge", "Installed permissions, by client transport.", stats, ClientTransportStats::permissions);

        text.header("turnrelay_relayed_packets_total", "counter", "Messages relayed, by client transport and direction.");
        for (ClientTransport transport : ClientTransport.values()) {
            ClientTransportStats of = stats.of(transport);
            text.sample("turnrelay_relayed_packets_total", of.packetsClientToPeer(), "transport", transport.label(), "direction", "client_to_peer");
            text.sample("turnrelay_relayed_packets_total", of.packetsPeerToClient(), "transport", transport.label(), "direction", "peer_to_client");
        }
        text.header("turnrelay_relayed_bytes_total", "counter", "Payload bytes relayed, by client transport and direction.");
        for (ClientTransport transport : ClientTransport.values()) {
            ClientTransportStats of = stats.of(transport);
            text.sample("turnrelay_relayed_bytes_total", of.bytesClientToPeer(), "transport", transport.label(), "direction", "client_to_peer");
            text.sample("turnrelay_relayed_bytes_total", of.bytesPeerToClient(), "transport", transport.label(), "direction", "peer_to_client");
        }

        text.header("turnrelay_dropped_packets_total", "counter", "Messages dropped without an answer, by client transport and reason;"
                + " transport \"" + NO_CLIENT + "\" for peer datagrams that reached no allocation.");
        TreeSet<String> reasons = new TreeSet<>(stats.dropsByReason().keySet());
        for (ClientTransport transport : ClientTransport.values()) {
            reasons.addAll(stats.of(transport).dropsByReason().keySet());
        }
        for (String reason : reasons) {
            long attributed = 0;
            for (ClientTransport transport : ClientTransport.values()) {
                long count = stats.of(transport).dropsByReason().getOrDefault(reason, 0L);
                attributed += count;
                text.sample("turnrelay_dropped_packets_total", count, "transport", transport.label(), "reason", reason.toLowerCase(Locale.ROOT));
            }
            // The totals hold the peer side too; each transport's counters hold only their clients'.
            long peerSide = Math.max(0, stats.dropsByReason().getOrDefault(reason, 0L) - attributed);
            text.sample("turnrelay_dropped_packets_total", peerSide, "transport", NO_CLIENT, "reason", reason.toLowerCase(Locale.ROOT));
        }

        text.header("turnrelay_responses_total", "counter", "Responses sent, by client transport, method and error code (0 is success).");
        for (ClientTransport transport : ClientTransport.values()) {
            for (Map.Entry<String, Long> response : new TreeMap<>(stats.of(transport).responses()).entrySet()) {
                String key = response.getKey();
                int slash = key.lastIndexOf('/');
                String method = slash < 0 ? key : key.substring(0, slash);
                String code = slash < 0 ? "" : key.substring(slash + 1);
                text.sample("turnrelay_responses_total", response.getValue(), "transport", transport.label(),
                        "method", method.toLowerCase(Locale.ROOT), "code", code);
            }
        }

        text.header("turnrelay_send_drops_total", "counter", "Datagrams and frames the transport dropped because a socket or send queue was full.");
        text.sample("turnrelay_send_drops_total", stats.sendDrops());

        text.header("turnrelay_events_dropped_total", "counter", "Relay events (allocation usage among them) lost because the event queue was full.");
        text.sample("turnrelay_events_dropped_total", stats.eventsDropped());

        text.header("turnrelay_connections", "gauge", "Open TCP and TLS client connections, by transport.");
        for (ClientTransport transport : STREAMS) {
            text.sample("turnrelay_connections", stats.of(transport).connectionsOpen(), "transport", transport.label());
        }
        text.header("turnrelay_connections_accepted_total", "counter", "TCP and TLS client connections accepted, refused ones included.");
        for (ClientTransport transport : STREAMS) {
            text.sample("turnrelay_connections_accepted_total", stats.of(transport).connectionsAccepted(), "transport", transport.label());
        }
        text.header("turnrelay_connections_closed_total", "counter",
                "TCP and TLS client connections ended, by transport and reason (per_ip_limit and connection_limit are refusals at accept).");
        for (ClientTransport transport : STREAMS) {
            Map<String, Long> closed = stats.of(transport).connectionsClosed();
            for (CloseReason reason : CloseReason.values()) {
                text.sample("turnrelay_connections_closed_total", closed.getOrDefault(reason.label(), 0L),
                        "transport", transport.label(), "reason", reason.label());
            }
        }
        text.header("turnrelay_queue_drops_total", "counter", "Relayed frames dropped because a connection's send queue was full, by transport.");
        for (ClientTransport transport : STREAMS) {
            text.sample("turnrelay_queue_drops_total", stats.of(transport).queueDrops(), "transport", transport.label());
        }

        if (tls != null) {
            text.header("turnrelay_tls_certificate_not_after_seconds", "gauge", "Expiry (notAfter) of the TLS certificate served now, in Unix seconds.");
            text.sample("turnrelay_tls_certificate_not_after_seconds", tls.notAfterEpochSeconds());
            text.header("turnrelay_tls_reloads_total", "counter", "Checks of the certificate files (SIGHUP or periodic), by result.");
            text.sample("turnrelay_tls_reloads_total", tls.reloaded(), "result", "reloaded");
            text.sample("turnrelay_tls_reloads_total", tls.unchanged(), "result", "unchanged");
            text.sample("turnrelay_tls_reloads_total", tls.failed(), "result", "failed");
        }

        text.header("turnrelay_draining", "gauge", "1 while the relay drains (SIGUSR1): /readyz is 503, new allocations are refused,"
                + " and the process exits once the allocations left are gone or the drain deadline passes; else 0.");
        text.sample("turnrelay_draining", drain.draining() ? 1 : 0);
        text.header("turnrelay_drain_allocations_left", "gauge", "Allocations a drain still waits for (every allocation while draining); 0 when not draining.");
        text.sample("turnrelay_drain_allocations_left", drain.draining() ? stats.allocations() : 0);
        text.header("turnrelay_drain_deadline_seconds", "gauge",
                "When the drain deletes the allocations left, in Unix seconds; 0 when not draining or without --drain-deadline.");
        text.sample("turnrelay_drain_deadline_seconds", drain.deadlineEpochSeconds());

        text.header("turnrelay_portal_state", "gauge", "1 for the current portal connection state; all 0 in standalone mode.");
        for (PortalState state : PortalState.values()) {
            text.sample("turnrelay_portal_state", state == portal ? 1 : 0, "state", state.name().toLowerCase(Locale.ROOT));
        }
        return text.out.toString();
    }

    private void perTransport(String name, String type, String help, RelayStats stats,
            ToLongFunction<ClientTransportStats> value) {
        header(name, type, help);
        for (ClientTransport transport : ClientTransport.values()) {
            sample(name, value.applyAsLong(stats.of(transport)), "transport", transport.label());
        }
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** {@code name{label="value",...} count}; {@code labels} alternate names and values. */
    private void sample(String name, long value, String... labels) {
        out.append(name);
        for (int i = 0; i < labels.length; i += 2) {
            out.append(i == 0 ? '{' : ',').append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
        }
        if (labels.length > 0) {
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
