package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.offload.OffloadCounters;
import io.turnrelay.xdp.XdpStatistics;
import io.turnrelay.cli.portal.PortalState;
import io.turnrelay.core.spi.CloseReason;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class RelayCollectorTest {
    private static final Histogram NO_DATAGRAMS = Histogram.empty(64, 1500);
    private static final ClientTransportStats UDP = new ClientTransportStats(2, 4, 1, 60, 7_000, 50, 6_000,
            Map.of("NO_PERMISSION", 4L, "MALFORMED_STUN", 1L), Map.of("allocate/0", 2L, "allocate/401", 3L, "binding/0", 9L),
            0, 0, Map.of(), 0,
            new Histogram(new double[] {1, 60}, new long[] {1, 2, 1}, 4_000.5),
            new Histogram(new double[] {64, 1500}, new long[] {10, 45, 5}, 7_000),
            NO_DATAGRAMS);
    private static final ClientTransportStats TCP = new ClientTransportStats(1, 1, 1, 40, 5_000, 40, 5_000,
            Map.of("NO_PERMISSION", 1L), Map.of("allocate/0", 1L, "allocate/401", 1L),
            5, 2, everyCloseReason(Map.of("client_closed", 2L, "per_ip_limit", 1L)), 4);
    private static final ClientTransportStats TLS = new ClientTransportStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
            1, 0, everyCloseReason(Map.of("tls_handshake_timeout", 1L)), 0);
    /** Totals: NO_PERMISSION 7 of which 5 have a client (4 UDP, 1 TCP), so 2 were peer datagrams for no allocation. */
    private static final RelayStats STATS = new RelayStats(3, 5, 2, 100, 12_000, 90, 11_000,
            Map.of("NO_PERMISSION", 7L, "MALFORMED_STUN", 1L), Map.of("allocate/0", 3L, "allocate/401", 4L, "binding/0", 9L), 6,
            Map.of(ClientTransport.UDP, UDP, ClientTransport.TCP, TCP, ClientTransport.TLS, TLS));
    private static final TlsMetrics TLS_METRICS = new TlsMetrics(1_790_000_000L, 2, 30, 1);

    /** A sample line: name, optional {labels}, a space and a number (bucket counts are integers, other values decimals). */
    private static final Pattern SAMPLE = Pattern.compile("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? -?\\d+(\\.\\d+(E\\d+)?)?");

    @Test
    void whatTheFastPathRelayedIsTheXdpDataPathOfUdpClients() {
        RelayStats offloaded = new RelayStats(STATS.allocations(), STATS.permissions(), STATS.channels(), STATS.packetsClientToPeer(),
                STATS.bytesClientToPeer(), STATS.packetsPeerToClient(), STATS.bytesPeerToClient(), STATS.dropsByReason(), STATS.responses(),
                STATS.sendDrops(), STATS.byClientTransport(), 0, new OffloadCounters(1_000, 90_000, 2_000, 180_000));
        Scrape scrape = Scrape.parse(render(offloaded, null, null));
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"xdp\"}")).isEqualTo(1_000);
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"peer_to_client\",datapath=\"xdp\"}")).isEqualTo(2_000);
        assertThat(scrape.value("turnrelay_relayed_bytes_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"xdp\"}")).isEqualTo(90_000);
        assertThat(scrape.value("turnrelay_relayed_bytes_total{transport=\"udp\",direction=\"peer_to_client\",datapath=\"xdp\"}")).isEqualTo(180_000);
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(60);
        assertThat(scrape.has("turnrelay_relayed_packets_total{transport=\"tcp\",direction=\"client_to_peer\",datapath=\"xdp\"}"))
                .as("only UDP clients' channels are offloaded").isFalse();
        assertThat(Scrape.parse(render(STATS, null, null)).value(
                "turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"xdp\"}")).isZero();
    }

    @Test
    void theXdpDataPlanesTableAndWhatItPassedUpAreThereOnlyWithIt() {
        XdpStatistics kernel = new XdpStatistics(new OffloadCounters(5, 500, 6, 600), 7, 2, 40);
        Scrape scrape = Scrape.parse(PrometheusTextFormatWriter.create().toDebugString(
                new RelayCollector(() -> STATS, () -> null, () -> null, () -> DrainMetrics.NOT_DRAINING, () -> kernel, List.of()).collect()));
        assertThat(scrape.value("turnrelay_xdp_table_entries")).isEqualTo(40);
        assertThat(scrape.value("turnrelay_xdp_passed_total{reason=\"missed\"}")).isEqualTo(7);
        assertThat(scrape.value("turnrelay_xdp_passed_total{reason=\"unroutable\"}")).isEqualTo(2);
        assertThat(Scrape.parse(render(STATS, null, null)).samples().keySet()).noneMatch(name -> name.startsWith("turnrelay_xdp"));
    }

    @Test
    void rendersGaugesAndCountersPerClientTransport() {
        String text = render(STATS, null, null);
        Scrape scrape = Scrape.parse(text);
        assertThat(scrape.value("turnrelay_allocations{transport=\"udp\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_allocations{transport=\"tcp\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_allocations{transport=\"tls\"}")).isEqualTo(0);
        assertThat(scrape.value("turnrelay_permissions{transport=\"udp\"}")).isEqualTo(4);
        assertThat(scrape.value("turnrelay_channels{transport=\"tcp\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(60);
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"tcp\",direction=\"peer_to_client\",datapath=\"userspace\"}")).isEqualTo(40);
        assertThat(scrape.value("turnrelay_relayed_bytes_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(7000);
        assertThat(scrape.value("turnrelay_relayed_bytes_total{transport=\"tcp\",direction=\"peer_to_client\",datapath=\"userspace\"}")).isEqualTo(5000);
        assertThat(scrape.value("turnrelay_relayed_bytes_total{transport=\"tls\",direction=\"peer_to_client\",datapath=\"userspace\"}")).isEqualTo(0);
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"udp\",reason=\"no_permission\"}")).isEqualTo(4);
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"tcp\",reason=\"no_permission\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"tls\",reason=\"no_permission\"}")).isEqualTo(0);
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"udp\",reason=\"malformed_stun\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_responses_total{transport=\"udp\",method=\"allocate\",code=\"0\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_responses_total{transport=\"tcp\",method=\"allocate\",code=\"401\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_responses_total{transport=\"udp\",method=\"binding\",code=\"0\"}")).isEqualTo(9);
        assertThat(scrape.value("turnrelay_send_drops_total")).isEqualTo(6);
        assertThat(lines(text)).contains(
                "# TYPE turnrelay_allocations gauge",
                "# TYPE turnrelay_relayed_bytes_total counter",
                "# TYPE turnrelay_responses_total counter");
    }

    @Test
    void dropsOfPeerDatagramsWithoutAClientHaveTransportNone() {
        Scrape scrape = Scrape.parse(render(STATS, null, null));
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"none\",reason=\"no_permission\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_dropped_packets_total{transport=\"none\",reason=\"malformed_stun\"}")).isEqualTo(0);
    }

    @Test
    void connectionsAreCountedForTcpAndTlsWithEveryCloseReasonTheRelayNames() {
        String text = render(STATS, null, null);
        Scrape scrape = Scrape.parse(text);
        assertThat(lines(text)).contains("# TYPE turnrelay_connections gauge", "# TYPE turnrelay_connections_accepted_total counter");
        assertThat(scrape.value("turnrelay_connections{transport=\"tcp\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_connections{transport=\"tls\"}")).isEqualTo(0);
        assertThat(scrape.value("turnrelay_connections_accepted_total{transport=\"tcp\"}")).isEqualTo(5);
        assertThat(scrape.value("turnrelay_connections_accepted_total{transport=\"tls\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"client_closed\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"per_ip_limit\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"connection_limit\"}")).isEqualTo(0);
        assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tls\",reason=\"tls_handshake_timeout\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_queue_drops_total{transport=\"tcp\"}")).isEqualTo(4);
        assertThat(scrape.value("turnrelay_queue_drops_total{transport=\"tls\"}")).isEqualTo(0);
        for (String transport : List.of("tcp", "tls")) {
            for (CloseReason reason : CloseReason.values()) {
                assertThat(scrape.has("turnrelay_connections_closed_total{transport=\"" + transport + "\",reason=\"" + reason.label() + "\"}"))
                        .as(transport + " " + reason).isTrue();
            }
        }
        assertThat(scrape.samples().keySet()).noneMatch(s -> s.startsWith("turnrelay_connections") && s.contains("transport=\"udp\""));
    }

    @Test
    void everyMetricWithAClientSideHasATransportLabelAndEveryTransportIsPresent() {
        Scrape scrape = Scrape.parse(render(new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of("NO_ALLOCATION", 0L), Map.of(), 0), null, null));
        for (String name : List.of("turnrelay_allocations", "turnrelay_channels", "turnrelay_permissions", "turnrelay_relayed_packets_total",
                "turnrelay_relayed_bytes_total", "turnrelay_dropped_packets_total", "turnrelay_allocation_duration_seconds_count",
                "turnrelay_relayed_datagram_size_bytes_count")) {
            List<String> series = scrape.samples().keySet().stream().filter(s -> s.startsWith(name + "{") || s.equals(name)).toList();
            assertThat(series).as(name).isNotEmpty().allMatch(s -> s.contains("transport=\""));
            for (ClientTransport transport : ClientTransport.values()) {
                assertThat(series).as(name).anyMatch(s -> s.contains("transport=\"" + transport.label() + "\""));
            }
        }
    }

    @Test
    void histogramsAreCumulativeBucketsWithSumAndCount() {
        Scrape scrape = Scrape.parse(render(STATS, null, null));
        // Allocation lifetimes of UDP clients: 1 in (0, 1], 2 in (1, 60], 1 above.
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_bucket{transport=\"udp\",le=\"1.0\"}")).isEqualTo(1);
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_bucket{transport=\"udp\",le=\"60.0\"}")).isEqualTo(3);
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_bucket{transport=\"udp\",le=\"+Inf\"}")).isEqualTo(4);
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_count{transport=\"udp\"}")).isEqualTo(4);
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_sum{transport=\"udp\"}")).isEqualTo(4_000.5);
        assertThat(scrape.value("turnrelay_relayed_datagram_size_bytes_bucket{transport=\"udp\",direction=\"client_to_peer\",le=\"64.0\"}"))
                .isEqualTo(10);
        assertThat(scrape.value("turnrelay_relayed_datagram_size_bytes_bucket{transport=\"udp\",direction=\"client_to_peer\",le=\"1500.0\"}"))
                .isEqualTo(55);
        assertThat(scrape.value("turnrelay_relayed_datagram_size_bytes_count{transport=\"udp\",direction=\"client_to_peer\"}")).isEqualTo(60);
        assertThat(scrape.value("turnrelay_relayed_datagram_size_bytes_sum{transport=\"udp\",direction=\"client_to_peer\"}")).isEqualTo(7000);
        assertThat(scrape.value("turnrelay_relayed_datagram_size_bytes_count{transport=\"udp\",direction=\"peer_to_client\"}")).isEqualTo(0);
        assertThat(lines(render(STATS, null, null))).contains("# TYPE turnrelay_allocation_duration_seconds histogram",
                "# TYPE turnrelay_relayed_datagram_size_bytes histogram");
    }

    @Test
    void openMetricsHasUnitsCounterFamiliesWithoutTotalAndAnEof() {
        String text = OpenMetricsTextFormatWriter.create().toDebugString(new RelayCollector(() -> STATS, () -> null, () -> TLS_METRICS).collect());
        assertThat(lines(text)).contains(
                "# TYPE turnrelay_relayed_packets counter",
                "# TYPE turnrelay_relayed_bytes counter",
                "# UNIT turnrelay_relayed_bytes bytes",
                "# TYPE turnrelay_allocation_duration_seconds histogram",
                "# UNIT turnrelay_allocation_duration_seconds seconds",
                "# TYPE turnrelay_allocations gauge");
        assertThat(text).endsWith("# EOF\n");
        Scrape scrape = Scrape.parse(text);
        assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(60);
        assertThat(scrape.value("turnrelay_allocation_duration_seconds_bucket{transport=\"udp\",le=\"60.0\"}")).isEqualTo(3);
    }

    @Test
    void tlsMetricsOnlyWithTls() {
        assertThat(render(STATS, null, null)).doesNotContain("turnrelay_tls_");
        String text = render(STATS, null, TLS_METRICS);
        Scrape scrape = Scrape.parse(text);
        assertThat(lines(text)).contains("# TYPE turnrelay_tls_certificate_not_after_seconds gauge", "# TYPE turnrelay_tls_reloads_total counter");
        assertThat(scrape.value("turnrelay_tls_certificate_not_after_seconds")).isEqualTo(1_790_000_000L);
        assertThat(scrape.value("turnrelay_tls_reloads_total{result=\"reloaded\"}")).isEqualTo(2);
        assertThat(scrape.value("turnrelay_tls_reloads_total{result=\"unchanged\"}")).isEqualTo(30);
        assertThat(scrape.value("turnrelay_tls_reloads_total{result=\"failed\"}")).isEqualTo(1);
    }

    @Test
    void everyLineIsACommentOrAWellFormedSampleAndEveryMetricHasHelpAndType() {
        String text = render(STATS, PortalState.JOINED, TLS_METRICS);
        assertThat(text).endsWith("\n");
        for (String line : lines(text)) {
            if (line.startsWith("#")) {
                assertThat(line).matches("# (HELP|TYPE) [a-z_]+ .+");
            } else {
                assertThat(line).matches(SAMPLE);
                String name = line.split("[{ ]", 2)[0].replaceAll("_(bucket|sum|count)$", "");
                assertThat(text).contains("# HELP " + name + " ").contains("# TYPE " + name + " ");
            }
        }
        assertThat(lines(text).stream().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]))
                .as("each metric once").doesNotHaveDuplicates();
    }

    @Test
    void portalStateIsAStateSet() {
        Scrape joined = Scrape.parse(render(STATS, PortalState.JOINED, null));
        assertThat(joined.value("turnrelay_portal_state{state=\"joined\"}")).isEqualTo(1);
        assertThat(joined.value("turnrelay_portal_state{state=\"connecting\"}")).isEqualTo(0);
        Scrape standalone = Scrape.parse(render(STATS, null, null));
        assertThat(standalone.samples().entrySet()).filteredOn(e -> e.getKey().startsWith("turnrelay_portal_state{"))
                .hasSize(PortalState.values().length)
                .allSatisfy(e -> assertThat(e.getValue()).isZero());
    }

    @Test
    void labelValuesAreEscaped() {
        RelayStats odd = new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of(ClientTransport.UDP,
                new ClientTransportStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of("a\"b\\c\nd/0", 1L), 0, 0, Map.of(), 0)));
        assertThat(render(odd, null, null)).contains("method=\"a\\\"b\\\\c\\nd\"");
    }

    private static String render(RelayStats stats, @Nullable PortalState portal, @Nullable TlsMetrics tls) {
        return PrometheusTextFormatWriter.create().toDebugString(new RelayCollector(() -> stats, () -> portal, () -> tls).collect());
    }

    /** As the relay reports them: every close reason, zeros too. */
    private static Map<String, Long> everyCloseReason(Map<String, Long> counts) {
        Map<String, Long> all = new HashMap<>();
        for (CloseReason reason : CloseReason.values()) {
            all.put(reason.label(), counts.getOrDefault(reason.label(), 0L));
        }
        return all;
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }
}
