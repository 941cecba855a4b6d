package io.turnrelay.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.relay.ShardedRelay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator end to end against our relay on loopback (NIO transport), at a small fixed rate and closed loop. */
class TurnLoadTest {
    private static TestCertificates.@Nullable Leaf leaf;

    @BeforeAll
    static void certificates(@TempDir Path dir) {
        leaf = TestCertificates.create(dir);
    }

    @Test
    void relaysEveryFrameOfASmallRunAndReportsTheRelayProcess() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int listenPort;
        try (DatagramSocket probe = new DatagramSocket(0, loopback)) {
            listenPort = probe.getLocalPort();
        }
        RelayConfig config = RelayConfig.builder()
                .transport("nio")
                .listenPort(listenPort)
                .bindIpv4(loopback)
                .publicIpv4(loopback)
                .portRange(20000, 20099)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "s3cret")))
                .peerPolicy(PeerAddressPolicy.builder().allowLoopback(true).build())
                .build();
        try (ShardedRelay relay = ShardedRelay.create(config)) {
            relay.start();
            int port = listenPort;
            LoadOptions options = LoadOptions.parse(new String[] {
                "--port", Integer.toString(port), "--clients", "4", "--rate", "400", "--duration", "1", "--warmup", "0.3",
                "--client-base-port", "0", "--relay-pid", Long.toString(ProcessHandle.current().pid())});
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            int status = TurnLoad.run(options, new PrintStream(out, true, StandardCharsets.UTF_8));

            String line = out.toString(StandardCharsets.UTF_8).trim();
            assertThat(status).as(line).isZero();
            long sent = field(line, "sent");
            assertThat(sent).isBetween(360L, 440L);
            assertThat(field(line, "received")).isEqualTo(sent);
            assertThat(line).contains("clients=4", "loss_pct=0.0000", "relay_rss_kib=");
            assertThat(line).as("a UDP line reads as it always did").doesNotContain("transport=");
            assertThat(relay.stats().allocations()).as("Refresh(0) released every allocation").isZero();
        }
    }

    @Test
    void tcpClientsAtAFixedRateLoseNothing() throws Exception {
        // 96 clients from 3 source addresses: more than the relay's 64 per IP, which the spread keeps clear of.
        Run run = streamRun(ClientTransport.TCP, List.of("--clients", "96", "--clients-per-ip", "32", "--rate", "1000", "--duration", "1"),
                96, 900, 1100);
        assertThat(run.stats().of(ClientTransport.TCP).connectionsClosed()).containsEntry("per_ip_limit", 0L);
    }

    @Test
    void tlsClientsAtAFixedRateLoseNothing() throws Exception {
        streamRun(ClientTransport.TLS, List.of("--clients", "8", "--rate", "400", "--duration", "1", "--tls-ca", leaf().caPem().toString()),
                8, 360, 440);
    }

    @Test
    void tlsTwelveClientsInAClosedLoopLoseNothing() throws Exception {
        // Trust-all (the benchmark's option) and TLS 1.2; the window keeps at most 32 frames per client in flight.
        streamRun(ClientTransport.TLS, List.of("--clients", "12", "--rate", "0", "--duration", "1", "--max-packets", "20000",
                "--tls-insecure", "--tls-protocol", "TLSv1.2", "--payload", "101"), 12, 100, 20_000 + 12 * 32);
    }

    @Test
    void tcpClosedLoopPadsOddPayloads() throws Exception {
        streamRun(ClientTransport.TCP, List.of("--clients", "4", "--rate", "0", "--duration", "1", "--max-packets", "20000",
                "--payload", "17"), 4, 100, 20_000 + 4 * 32);
    }

    @Test
    void withoutTheSpreadTheRelaysPerIpCapRefusesConnections() throws Exception {
        // All 96 from one address: the relay's default cap of 64 per IP refuses 32, and the run goes on with 64.
        Run run = streamRun(ClientTransport.TCP, List.of("--clients", "96", "--clients-per-ip", "96", "--allowed-setup-failures", "32",
                "--rate", "500", "--duration", "0.5"), 64, 200, 300);
        assertThat(run.stats().of(ClientTransport.TCP).connectionsClosed()).containsEntry("per_ip_limit", 32L);
    }

    @Test
    void tlsNeedsExactlyOneTrustChoice() {
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--client-transport", "tls"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-ca");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--client-transport", "tls", "--tls-insecure", "--tls-ca", "x.pem"}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--client-transport", "sctp"}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamClientsSpreadOverLoopbackSourceAddresses() {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
        assertThat(StreamClients.sourceAddress(server, 0, 32).getAddress().getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(StreamClients.sourceAddress(server, 31, 32).getAddress().getHostAddress()).isEqualTo("127.1.0.1");
        assertThat(StreamClients.sourceAddress(server, 32, 32).getAddress().getHostAddress()).isEqualTo("127.1.0.2");
        assertThat(StreamClients.sourceAddress(server, 254 * 32, 32).getAddress().getHostAddress()).isEqualTo("127.1.1.1");
        assertThat(StreamClients.sourceAddress(server, 0, 32).getPort()).isZero();
    }

    /**
     * Runs TurnLoad over {@code transport} against an in-process NIO relay with UDP, TCP and TLS listeners, and checks
     * that every frame sent in the window came back, that {@code sent} is within bounds, and that the relay saw the
     * clients on that transport and released every allocation afterwards.
     */
    private record Run(String line, RelayStats stats) {}

    private static Run streamRun(ClientTransport transport, List<String> extra, int clients, long minSent, long maxSent) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int listenPort = freePort(loopback);
        int tlsPort = freePort(loopback);
        RelayConfig config = RelayConfig.builder()
                .transport("nio")
                .listenPort(listenPort)
                .bindIpv4(loopback)
                .publicIpv4(loopback)
                // Below the ephemeral range (32768-60999), so no other socket on the machine holds a relay port.
                .portRange(20100, 20299)
                .maxAllocationsPerUser(1000)
                .tls(TlsCredentials.fromPem(leaf().chainPem(), leaf().keyPem()))
                .tlsListenPorts(List.of(tlsPort))
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "s3cret")))
                .peerPolicy(PeerAddressPolicy.builder().allowLoopback(true).build())
                .build();
        try (ShardedRelay relay = ShardedRelay.create(config)) {
            relay.start();
            List<String> args = new ArrayList<>(List.of("--client-transport", transport.label(),
                    "--port", Integer.toString(transport == ClientTransport.TLS ? tlsPort : listenPort), "--warmup", "0.3",
                    "--relay-pid", Long.toString(ProcessHandle.current().pid())));
            args.addAll(extra);
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            int status = TurnLoad.run(LoadOptions.parse(args.toArray(String[]::new)), new PrintStream(out, true, StandardCharsets.UTF_8));

            String line = out.toString(StandardCharsets.UTF_8).trim();
            assertThat(status).as(line).isZero();
            long sent = field(line, "sent");
            assertThat(sent).as(line).isBetween(minSent, maxSent);
            assertThat(field(line, "received")).as(line + "\n" + relay.stats()).isEqualTo(sent);
            assertThat(line).contains("clients=" + clients, "loss_pct=0.0000", "transport=" + transport.label(), "send_errors=0",
                    "closed_by_server=0");
            RelayStats stats = relay.stats();
            long refused = stats.of(transport).connectionsClosed().getOrDefault("per_ip_limit", 0L);
            assertThat(stats.of(transport).connectionsAccepted() - refused).as("every client had its own connection").isEqualTo(clients);
            assertThat(stats.of(transport).packetsClientToPeer()).as("the frames went over " + transport).isGreaterThanOrEqualTo(sent);
            assertThat(stats.allocations()).as("Refresh(0) and the close released every allocation").isZero();
            return new Run(line, stats);
        }
    }

    private static int freePort(InetAddress address) throws Exception {
        // A port free for TCP and for UDP at once (the listen port serves both).
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, address); DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), address)) {
                return tcp.getLocalPort();
            } catch (java.net.BindException taken) {
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
    }

    private static TestCertificates.Leaf leaf() {
        TestCertificates.Leaf made = leaf;
        if (made == null) {
            throw new IllegalStateException("no certificate");
        }
        return made;
    }

    private static long field(String line, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=(\\d+)").matcher(line);
        assertThat(m.find()).as(name + " in " + line).isTrue();
        return Long.parseLong(m.group(1));
    }
}
