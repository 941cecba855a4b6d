package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.offload.OffloadCounters;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsReporterTest {

    @Test
    void theLineCarriesCountsAndRatesPerSecond() {
        RelayStats before = new RelayStats(1, 1, 0, 100, 10_000, 50, 5_000, Map.of(), Map.of(), 0);
        RelayStats now = new RelayStats(4, 6, 2, 300, 30_000, 250, 45_000, Map.of(), Map.of(), 0);
        assertThat(StatsReporter.line(before, now, 10.0, false)).isEqualTo(
                "allocations=4 channels=2 permissions=6 client->peer 20 pkt/s 2000 B/s, peer->client 20 pkt/s 4000 B/s, connections tcp=0 tls=0");
    }

    @Test
    void ratesAreRoundedToWholeUnitsPerSecond() {
        RelayStats before = new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0);
        RelayStats now = new RelayStats(0, 0, 0, 5, 1_000, 7, 3, Map.of(), Map.of(), 0);
        assertThat(StatsReporter.line(before, now, 2.0, false)).isEqualTo(
                "allocations=0 channels=0 permissions=0 client->peer 3 pkt/s 500 B/s, peer->client 4 pkt/s 2 B/s, connections tcp=0 tls=0");
    }

    @Test
    void withXdpTheLineShowsWhatTheKernelRelayedBesideWhatTheRelayDid() {
        RelayStats before = new RelayStats(1, 1, 1, 100, 10_000, 50, 5_000, Map.of(), Map.of(), 0, Map.of(), 0,
                new OffloadCounters(1_000, 100_000, 2_000, 200_000));
        RelayStats now = new RelayStats(1, 1, 1, 110, 11_000, 60, 6_000, Map.of(), Map.of(), 0, Map.of(), 0,
                new OffloadCounters(21_000, 2_100_000, 42_000, 4_200_000));
        assertThat(StatsReporter.line(before, now, 10.0, true)).isEqualTo("allocations=1 channels=1 permissions=1"
                + " client->peer 1 pkt/s 100 B/s, peer->client 1 pkt/s 100 B/s,"
                + " xdp client->peer 2000 pkt/s 200000 B/s, xdp peer->client 4000 pkt/s 400000 B/s, connections tcp=0 tls=0");
    }

    @Test
    void theLineEndsWithTheOpenTcpAndTlsConnections() {
        RelayStats before = new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0);
        RelayStats now = new RelayStats(3, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of(
                ClientTransport.TCP, connections(7), ClientTransport.TLS, connections(2)));
        assertThat(StatsReporter.line(before, now, 10.0, false)).endsWith(", connections tcp=7 tls=2");
    }

    private static ClientTransportStats connections(long open) {
        return new ClientTransportStats(1, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), open + 1, open, Map.of("client_closed", 1L), 0);
    }
}
