package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import io.turnrelay.core.spi.CloseReason;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final ClientTransportStats UDP = new ClientTransportStats(2, 4, 1, 60, 7_000, 50, 6_000,
            Map.of("NO_PERMISSION", 4L, "MALFORMED_STUN", 1L), Map.of("allocate/0", 2L, "allocate/401", 3L, "binding/0", 9L),
            0, 0, Map.of(), 0);
    private static final ClientTransportStats TCP = new ClientTransportStats(1, 1, 1, 40, 5_000, 40, 5_000,
            Map.of("NO_PERMISSION", 1L), Map.of("allocate/0", 1L, "allocate/401", 1L),
            5, 2, Map.of("client_closed", 2L, "per_ip_limit", 1L), 4);
    private static final ClientTransportStats TLS = new ClientTransportStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
            1, 0, Map.of("tls_handshake_timeout", 1L), 0);
    /** Totals: NO_PERMISSION 7 of which 5 have a client (4 UDP, 1 TCP), so 2 were peer datagrams for no allocation. */
    private static final RelayStats STATS = new RelayStats(3, 5, 2, 100, 12_000, 90, 11_000,
            Map.of("NO_PERMISSION", 7L, "MALFORMED_STUN", 1L), Map.of("allocate/0", 3L, "allocate/401", 4L, "binding/0", 9L), 6,
            Map.of(ClientTransport.UDP, UDP, ClientTransport.TCP, TCP, ClientTransport.TLS, TLS));
    private static final TlsMetrics TLS_METRICS = new TlsMetrics(1_790_000_000L, 2, 30, 1);

    /** A sample line: name, optional {labels}, a space and an integer value. */
    private static final Pattern SAMPLE = Pattern.compile("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? -?\\d+");

    @Test
    void rendersGaugesAndCountersPerClientTransport() {
        String text = PrometheusText.render(STATS, null);
        assertThat(lines(text)).contains(
                "turnrelay_allocations{transport=\"udp\"} 2",
                "turnrelay_allocations{transport=\"tcp\"} 1",
                "turnrelay_allocations{transport=\"tls\"} 0",
                "turnrelay_permissions{transport=\"udp\"} 4",
                "turnrelay_channels{transport=\"tcp\"} 1",
                "turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\"} 60",
                "turnrelay_relayed_packets_total{transport=\"tcp\",direction=\"peer_to_client\"} 40",
                "turnrelay_relayed_bytes_total{transport=\"udp\",direction=\"client_to_peer\"} 7000",
                "turnrelay_relayed_bytes_total{transport=\"tcp\",direction=\"peer_to_client\"} 5000",
                "turnrelay_relayed_bytes_total{transport=\"tls\",direction=\"peer_to_client\"} 0",
                "turnrelay_dropped_packets_total{transport=\"udp\",reason=\"no_permission\"} 4",
                "turnrelay_dropped_packets_total{transport=\"tcp\",reason=\"no_permission\"} 1",
                "turnrelay_dropped_packets_total{transport=\"tls\",reason=\"no_permission\"} 0",
                "turnrelay_dropped_packets_total{transport=\"udp\",reason=\"malformed_stun\"} 1",
                "turnrelay_responses_total{transport=\"udp\",method=\"allocate\",code=\"0\"} 2",
                "turnrelay_responses_total{transport=\"tcp\",method=\"allocate\",code=\"401\"} 1",
                "turnrelay_responses_total{transport=\"udp\",method=\"binding\",code=\"0\"} 9",
                "turnrelay_send_drops_total 6",
                "# TYPE turnrelay_allocations gauge",
                "# TYPE turnrelay_relayed_bytes_total counter",
                "# TYPE turnrelay_responses_total counter");
    }

    @Test
    void dropsOfPeerDatagramsWithoutAClientHaveTransportNone() {
        assertThat(lines(PrometheusText.render(STATS, null))).contains(
                "turnrelay_dropped_packets_total{transport=\"none\",reason=\"no_permission\"} 2",
                "turnrelay_dropped_packets_total{transport=\"none\",reason=\"malformed_stun\"} 0");
    }

    @Test
    void connectionsAreCountedForTcpAndTlsWithEveryCloseReason() {
        List<String> lines = lines(PrometheusText.render(STATS, null));
        assertThat(lines).contains(
                "# TYPE turnrelay_connections gauge",
                "turnrelay_connections{transport=\"tcp\"} 2",
                "turnrelay_connections{transport=\"tls\"} 0",
                "# TYPE turnrelay_connections_accepted_total counter",
                "turnrelay_connections_accepted_total{transport=\"tcp\"} 5",
                "turnrelay_connections_accepted_total{transport=\"tls\"} 1",
                "turnrelay_connections_closed_total{transport=\"tcp\",reason=\"client_closed\"} 2",
                "turnrelay_connections_closed_total{transport=\"tcp\",reason=\"per_ip_limit\"} 1",
                "turnrelay_connections_closed_total{transport=\"tcp\",reason=\"connection_limit\"} 0",
                "turnrelay_connections_closed_total{transport=\"tls\",reason=\"tls_handshake_timeout\"} 1",
                "turnrelay_queue_drops_total{transport=\"tcp\"} 4",
                "turnrelay_queue_drops_total{transport=\"tls\"} 0");
        for (String transport : List.of("tcp", "tls")) {
            for (CloseReason reason : CloseReason.values()) {
                assertThat(lines).anyMatch(l -> l.startsWith("turnrelay_connections_closed_total{transport=\"" + transport
                        + "\",reason=\"" + reason.label() + "\"} "));
            }
        }
        assertThat(lines).noneMatch(l -> l.startsWith("turnrelay_connections") && l.contains("transport=\"udp\""));
    }

    @Test
    void everyMetricWithAClientSideHasATransportLabelAndEveryTransportIsPresent() {
        List<String> samples = lines(PrometheusText.render(new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of("NO_ALLOCATION", 0L), Map.of(), 0), null));
        for (String name : List.of("turnrelay_allocations", "turnrelay_channels", "turnrelay_permissions", "turnrelay_relayed_packets_total",
                "turnrelay_relayed_bytes_total", "turnrelay_dropped_packets_total")) {
            List<String> series = samples.stream().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).toList();
            assertThat(series).as(name).isNotEmpty().allMatch(l -> l.startsWith(name + "{transport=\""));
            for (ClientTransport transport : ClientTransport.values()) {
                assertThat(series).as(name).anyMatch(l -> l.startsWith(name + "{transport=\"" + transport.label() + "\""));
            }
        }
    }

    @Test
    void tlsMetricsOnlyWithTls() {
        assertThat(PrometheusText.render(STATS, null)).doesNotContain("turnrelay_tls_");
        assertThat(lines(PrometheusText.render(STATS, null, TLS_METRICS))).contains(
                "# TYPE turnrelay_tls_certificate_not_after_seconds gauge",
                "turnrelay_tls_certificate_not_after_seconds 1790000000",
                "# TYPE turnrelay_tls_reloads_total counter",
                "turnrelay_tls_reloads_total{result=\"reloaded\"} 2",
                "turnrelay_tls_reloads_total{result=\"unchanged\"} 30",
                "turnrelay_tls_reloads_total{result=\"failed\"} 1");
    }

    @Test
    void everyLineIsACommentOrAWellFormedSampleAndEveryMetricHasHelpAndType() {
        String text = PrometheusText.render(STATS, PortalState.JOINED, TLS_METRICS);
        assertThat(text).endsWith("\n");
        for (String line : lines(text)) {
            if (line.startsWith("#")) {
                assertThat(line).matches("# (HELP|TYPE) [a-z_]+ .+");
            } else {
                assertThat(line).matches(SAMPLE);
                String name = line.split("[{ ]", 2)[0];
                assertThat(text).contains("# HELP " + name + " ").contains("# TYPE " + name + " ");
            }
        }
        assertThat(lines(text).stream().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]))
                .as("each metric once").doesNotHaveDuplicates();
    }

    @Test
    void portalStateIsAStateSet() {
        List<String> joined = lines(PrometheusText.render(STATS, PortalState.JOINED));
        assertThat(joined).contains("turnrelay_portal_state{state=\"joined\"} 1", "turnrelay_portal_state{state=\"connecting\"} 0");
        List<String> standalone = lines(PrometheusText.render(STATS, null));
        assertThat(standalone.stream().filter(l -> l.startsWith("turnrelay_portal_state{")))
                .hasSize(PortalState.values().length)
                .allMatch(l -> l.endsWith(" 0"));
    }

    @Test
    void labelValuesAreEscaped() {
        assertThat(PrometheusText.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }
}
