package io.turnrelay.cli.ops;

import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Renders {@link RelayStats} in the Prometheus text exposition format 0.0.4. */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(2048);

    private PrometheusText() {}

    /** {@code portal} is null in standalone mode; its state gauges are then all 0. */
    public static String render(RelayStats stats, @Nullable PortalState portal) {
        PrometheusText text = new PrometheusText();
        text.gauge("turnrelay_allocations", "Active allocations.", stats.allocations());
        text.gauge("turnrelay_channels", "Bound channels.", stats.channels());
        text.gauge("turnrelay_permissions", "Installed permissions.", stats.permissions());

        text.header("turnrelay_relayed_packets_total", "counter", "Datagrams relayed, by direction.");
        text.sample("turnrelay_relayed_packets_total", "direction", "client_to_peer", stats.packetsClientToPeer());
        text.sample("turnrelay_relayed_packets_total", "direction", "peer_to_client", stats.packetsPeerToClient());
        text.header("turnrelay_relayed_bytes_total", "counter", "Payload bytes relayed, by direction.");
        text.sample("turnrelay_relayed_bytes_total", "direction", "client_to_peer", stats.bytesClientToPeer());
        text.sample("turnrelay_relayed_bytes_total", "direction", "peer_to_client", stats.bytesPeerToClient());

        text.header("turnrelay_dropped_packets_total", "counter", "Datagrams dropped without an answer, by reason.");
        for (Map.Entry<String, Long> drop : new TreeMap<>(stats.dropsByReason()).entrySet()) {
            text.sample("turnrelay_dropped_packets_total", "reason", drop.getKey().toLowerCase(Locale.ROOT), drop.getValue());
        }

        text.header("turnrelay_responses_total", "counter", "Responses sent, by method and error code (0 is success).");
        for (Map.Entry<String, Long> response : new TreeMap<>(stats.responses()).entrySet()) {
            String key = response.getKey();
            int slash = key.lastIndexOf('/');
            String method = slash < 0 ? key : key.substring(0, slash);
            String code = slash < 0 ? "" : key.substring(slash + 1);
            text.out.append("turnrelay_responses_total{method=\"").append(escape(method.toLowerCase(Locale.ROOT)))
                    .append("\",code=\"").append(escape(code)).append("\"} ").append(response.getValue()).append('\n');
        }

        text.header("turnrelay_send_drops_total", "counter", "Datagrams the transport dropped because a socket was not writable.");
        text.out.append("turnrelay_send_drops_total ").append(stats.sendDrops()).append('\n');

        text.header("turnrelay_portal_state", "gauge", "1 for the current portal connection state; all 0 in standalone mode.");
        for (PortalState state : PortalState.values()) {
            text.sample("turnrelay_portal_state", "state", state.name().toLowerCase(Locale.ROOT), state == portal ? 1 : 0);
        }
        return text.out.toString();
    }

    private void gauge(String name, String help, long value) {
        header(name, "gauge", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String label, String labelValue, long value) {
        out.append(name).append('{').append(label).append("=\"").append(escape(labelValue)).append("\"} ").append(value).append('\n');
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
