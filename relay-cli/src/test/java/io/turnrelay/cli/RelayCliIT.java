package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.jr.ob.JSON;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.cli.ops.Scrape;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.SocketTurnClient;
import io.turnrelay.core.stun.StunMessage;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Starts the packaged launcher ({@code target/relay-cli/bin/relay-cli}) as a process; everything on loopback. */
class RelayCliIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Pattern TURN_URL = Pattern.compile("turn:([0-9.]+):(\\d+)\\?transport=udp");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final int listenPort;
    private final int healthPort;
    private final int lowestPort;

    RelayCliIT() throws Exception {
        listenPort = LauncherProcess.freeUdpAndTcpPort();
        healthPort = LoopbackPorts.freeTcpPort();
        // 100 relay ports below the kernel's ephemeral range, so probes and clients never collide with them.
        lowestPort = 20_000 + 100 * ThreadLocalRandom.current().nextInt(120);
    }

    private List<String> networkOptions() {
        return List.of("--listen-port=" + listenPort, "--lowest-port=" + lowestPort, "--highest-port=" + (lowestPort + 99),
                "--health-check-addr=127.0.0.1:" + healthPort);
    }

    private List<String> networkOptions(String transport) {
        List<String> options = new ArrayList<>(networkOptions());
        options.add("--transport=" + transport);
        return options;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void embeddedDefaultPrintsAnIceServerThatATurnClientAllocatesWith(String transport) throws Exception {
        // No command line at all: only the ports come from the environment, as CI may already use 3478 and 8080.
        Map<String, String> env = Map.of("LISTEN_PORT", Integer.toString(listenPort), "LOWEST_PORT", Integer.toString(lowestPort),
                "HIGHEST_PORT", Integer.toString(lowestPort + 99), "HEALTH_CHECK_ADDR", "127.0.0.1:" + healthPort,
                "TURNRELAY_TRANSPORT", transport);
        try (LauncherProcess relay = LauncherProcess.start(List.of(), env)) {
            String line = relay.nextStdoutLine(START_TIMEOUT);
            assertThat(line).as("iceServers line; stderr: %s", relay.stderrLines()).isNotNull();
            Map<String, Object> iceServer = JSON.std.mapFrom(line);
            assertThat(iceServer).containsOnlyKeys("urls", "username", "credential");
            List<?> urls = (List<?>) iceServer.get("urls");
            assertThat(urls).as("urls").hasSize(2);
            Matcher url = TURN_URL.matcher((String) urls.get(0));
            assertThat(url.matches()).as("urls: %s", urls).isTrue();
            assertThat(Integer.parseInt(url.group(2))).isEqualTo(listenPort);
            assertThat(urls.get(1)).isEqualTo("turn:" + url.group(1) + ":" + listenPort + "?transport=tcp");
            // stderr is a separate pipe: its WARN, written before the stdout line, may still be in flight.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(relay.stderrLines()).anyMatch(l -> l.contains("WARN") && l.contains("FIREZONE_TOKEN")));

            try (SocketTurnClient client = new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort),
                    (String) iceServer.get("username"), (String) iceServer.get("credential"))) {
                List<InetSocketAddress> relayed = client.allocate();
                assertThat(relayed).hasSize(1);
                assertThat(relayed.get(0).getAddress().getHostAddress()).isEqualTo(url.group(1));
                assertThat(relayed.get(0).getPort()).isBetween(lowestPort, lowestPort + 99);
            }
            try (SocketTurnClient wrongPassword = new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort),
                    (String) iceServer.get("username"), "not-the-password")) {
                assertThat(SocketTurnClient.errorCode(wrongPassword.allocate(writer -> {}))).isEqualTo(401);
            }
            // The TCP URL works too: the same credentials, a connection to the same port.
            try (SocketTurnClient client = SocketTurnClient.tcp(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort),
                    (String) iceServer.get("username"), (String) iceServer.get("credential"))) {
                List<InetSocketAddress> relayed = client.allocate();
                assertThat(relayed).hasSize(1);
                assertThat(relayed.get(0).getPort()).isBetween(lowestPort, lowestPort + 99);
            }
            // Its connection closed: one usage line for billing and audit.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(relay.stderrLines()).anySatisfy(l -> assertThat(l)
                    .contains("usage: user=" + iceServer.get("username") + " ", " transport=tcp ", " reason=connection_closed ",
                            " packets_to_peer=0 ")));
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @Test
    void startupLineNamesTheNettyTransportAndTheIoItChose() throws Exception {
        List<String> args = new ArrayList<>(networkOptions());
        args.add("--transport=netty");
        args.add("--user=alice:wonderland");
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
            await().atMost(START_TIMEOUT).untilAsserted(() -> assertThat(relay.stderrLines())
                    .anyMatch(l -> l.matches(".*listening on .*\\(transport netty on (io_uring|epoll|NIO), TLS by (the JDK|\\S+), 1 worker\\(s\\)\\).*")));
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void startupLineListsEveryListener(String transport) throws Exception {
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.add("--user=alice:wonderland");
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
            await().atMost(START_TIMEOUT).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l -> l.contains(
                    "listening on udp 0.0.0.0:" + listenPort + ", tcp 0.0.0.0:" + listenPort + " (transport " + transport)));
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @Test
    void anOpenFileLimitBelowWhatTheCapsNeedIsWarnedAbout() throws Exception {
        List<String> args = new ArrayList<>(networkOptions());
        args.add("--user=alice:wonderland");
        // 100,000 connections + 2 x 100 relay ports + 64 spare need 100,264 descriptors.
        try (LauncherProcess relay = LauncherProcess.startWithOpenFileLimit(2048, args, Map.of())) {
            await().atMost(START_TIMEOUT).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l -> l.contains("WARN")
                    && l.contains("open-file limit is 2048, below the 100264") && l.contains("ulimit -n 100264")
                    && l.contains("LimitNOFILE=100264")));
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
        args.add("--max-connections=1000");
        try (LauncherProcess relay = LauncherProcess.startWithOpenFileLimit(2048, args, Map.of())) {
            await().atMost(START_TIMEOUT).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l -> l.contains("listening on")));
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
            assertThat(relay.stderrLines()).as("1,264 needed, 2,048 allowed").noneMatch(l -> l.contains("open-file limit"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void withACertificateATlsClientAllocatesOnTheTlsPortAndSighupSwapsTheCertificateForNewConnections(String transport, @TempDir Path directory)
            throws Exception {
        TestCertificates ca = TestCertificates.newCa(directory.resolve("ca"));
        TestCertificates.Leaf first = ca.issue(directory.resolve("first"));
        TestCertificates.Leaf second = ca.issue(directory.resolve("second"));
        Path chain = directory.resolve("chain.pem");
        Path key = directory.resolve("key.pem");
        install(first, chain, key);
        int tlsPort = LauncherProcess.freeTcpPort();
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.addAll(List.of("--tls-cert=" + chain, "--tls-key=" + key, "--tls-listen-port=" + tlsPort,
                // Only SIGHUP reloads here, so the file check cannot see the files while they are being replaced.
                "--tls-reload-interval=0", "--allow-loopback-peers"));
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"));
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            String line = relay.nextStdoutLine(START_TIMEOUT);
            assertThat(line).as("iceServers line; stderr: %s", relay.stderrLines()).isNotNull();
            Map<String, Object> iceServer = JSON.std.mapFrom(line);
            assertThat(iceServer.get("urls")).asInstanceOf(InstanceOfAssertFactories.LIST).containsExactly("turn:127.0.0.1:" + listenPort + "?transport=udp",
                    "turn:127.0.0.1:" + listenPort + "?transport=tcp", "turns:127.0.0.1:" + tlsPort + "?transport=tcp");
            String username = (String) iceServer.get("username");
            String password = (String) iceServer.get("credential");
            String metricsUrl = "http://127.0.0.1:" + healthPort + "/metrics";
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l -> l.contains(
                    "listening on udp 0.0.0.0:" + listenPort + ", tcp 0.0.0.0:" + listenPort + ", tls 0.0.0.0:" + tlsPort + " (transport ")
                    && l.contains("TLS certificate 'CN=localhost' valid until " + first.certificate().getNotAfter().toInstant())));
            assertThat(serverCertificate(ca, tlsPort)).isEqualTo(first.certificate());

            InetSocketAddress tlsServer = new InetSocketAddress(LOOPBACK, tlsPort);
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
            try (SocketTurnClient client = SocketTurnClient.tls(LOOPBACK, tlsServer, username, password, ca.clientContextTrustingCa())) {
                List<InetSocketAddress> relayed = client.allocate();
                assertThat(relayed).hasSize(1);
                SocketTurnClient.requireSuccess(client.createPermission(peerAddress));
                assertRelaysBothWays(client, peer, relayed.get(0), "before the reload");
                Scrape before = Scrape.parse(get(metricsUrl).body());
                assertThat(before.value("turnrelay_tls_certificate_not_after_seconds"))
                        .isEqualTo(first.certificate().getNotAfter().toInstant().getEpochSecond());
                assertThat(before.value("turnrelay_allocations{transport=\"tls\"}")).isEqualTo(1);
                assertThat(before.value("turnrelay_allocations{transport=\"udp\"}")).isEqualTo(0);
                assertThat(before.value("turnrelay_relayed_packets_total{transport=\"tls\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(1);
                assertThat(before.value("turnrelay_relayed_packets_total{transport=\"tls\",direction=\"peer_to_client\",datapath=\"userspace\"}")).isEqualTo(1);
                assertThat(before.value("turnrelay_tls_reloads_total{result=\"reloaded\"}")).isEqualTo(0);

                install(second, chain, key);
                relay.signal("HUP");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l ->
                        l.contains("INFO") && l.contains("Reloaded the TLS certificate (SIGHUP)")
                                && l.contains(second.certificate().getNotAfter().toInstant().toString())));
                assertThat(serverCertificate(ca, tlsPort)).as("a new handshake").isEqualTo(second.certificate());
                assertThat(relay.process.isAlive()).as("SIGHUP does not stop the relay").isTrue();
                Scrape after = Scrape.parse(get(metricsUrl).body());
                assertThat(after.value("turnrelay_tls_certificate_not_after_seconds"))
                        .isEqualTo(second.certificate().getNotAfter().toInstant().getEpochSecond());
                assertThat(after.value("turnrelay_tls_reloads_total{result=\"reloaded\"}")).isEqualTo(1);
                assertThat(after.value("turnrelay_tls_reloads_total{result=\"failed\"}")).isEqualTo(0);

                // The connection made before the reload goes on relaying, and its allocation can be refreshed.
                assertRelaysBothWays(client, peer, relayed.get(0), "after the reload");
                SocketTurnClient.requireSuccess(client.refresh(600));
            }
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void aBadFileAtReloadKeepsTheCertificateAndSaysWhy(String transport, @TempDir Path directory) throws Exception {
        TestCertificates ca = TestCertificates.newCa(directory.resolve("ca"));
        TestCertificates.Leaf leaf = ca.issue(directory.resolve("leaf"));
        Path chain = directory.resolve("chain.pem");
        Path key = directory.resolve("key.pem");
        install(leaf, chain, key);
        int tlsPort = LauncherProcess.freeTcpPort();
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.addAll(List.of("--user=alice:wonderland", "--tls-cert=" + chain, "--tls-key=" + key, "--tls-listen-port=" + tlsPort,
                "--tls-reload-interval=1"));
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"))) {
            awaitStatus(relay, "http://127.0.0.1:" + healthPort + "/readyz", 200);
            Files.writeString(chain, "not a certificate any more\n");
            // The once-a-second file check finds it without a signal.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(relay.stderrLines()).anyMatch(l -> l.contains("WARN")
                    && l.contains("Could not reload the TLS certificate (file check)") && l.contains(chain + ": no certificate in the file")));
            assertThat(serverCertificate(ca, tlsPort)).isEqualTo(leaf.certificate());
            try (SocketTurnClient client = SocketTurnClient.tls(LOOPBACK, new InetSocketAddress(LOOPBACK, tlsPort), "alice", "wonderland",
                    ca.clientContextTrustingCa())) {
                assertThat(client.allocate()).hasSize(1);
            }
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @Test
    void anExpiredCertificateExitsTwoWithOneLineNamingTheFile(@TempDir Path directory) throws Exception {
        TestCertificates.Leaf expired = TestCertificates.newCa(directory.resolve("ca")).issue(directory.resolve("expired"),
                TestCertificates.KeyType.EC_P256, Instant.now().minus(Duration.ofDays(100)), 30);
        List<String> args = new ArrayList<>(networkOptions());
        args.addAll(List.of("--tls-cert=" + expired.chainPem(), "--tls-key=" + expired.keyPem()));
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
            assertThat(relay.awaitExit(START_TIMEOUT)).isEqualTo(2);
            assertThat(relay.stderrLines()).as("stderr").hasSize(1);
            assertThat(relay.stderrLines().get(0)).startsWith("relay-cli: --tls-cert: " + expired.chainPem() + ": the certificate expired on ")
                    .doesNotContain("Exception");
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), listenPort))) {
            assertThat(socket.getLocalPort()).as("nothing was bound").isEqualTo(listenPort);
        }
    }

    @Test
    void sighupWithoutACertificateLeavesTheRelayRunning() throws Exception {
        List<String> args = new ArrayList<>(networkOptions());
        args.add("--user=alice:wonderland");
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"))) {
            awaitStatus(relay, "http://127.0.0.1:" + healthPort + "/readyz", 200);
            relay.signal("HUP");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(relay.stderrLines())
                    .anyMatch(l -> l.contains("SIGHUP: no TLS certificate is configured")));
            assertThat(relay.process.isAlive()).isTrue();
            try (SocketTurnClient client = new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), "alice", "wonderland")) {
                assertThat(client.allocate()).hasSize(1);
            }
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    private static void install(TestCertificates.Leaf leaf, Path chain, Path key) throws IOException {
        Files.copy(leaf.chainPem(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(leaf.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The leaf a new TLS handshake on {@code port} is given (a new context each time: no session is resumed). */
    private static X509Certificate serverCertificate(TestCertificates ca, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) ca.clientContextTrustingCa().getSocketFactory().createSocket(LOOPBACK, port)) {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** Client to peer with a Send indication, and peer to client as a Data indication, through {@code relayed}. */
    private static void assertRelaysBothWays(SocketTurnClient client, DatagramSocket peer, InetSocketAddress relayed, String when)
            throws IOException {
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        byte[] toPeer = ("to the peer " + when).getBytes(StandardCharsets.UTF_8);
        client.sendIndication(peerAddress, toPeer);
        peer.setSoTimeout(5_000);
        DatagramPacket received = new DatagramPacket(new byte[1500], 1500);
        peer.receive(received);
        assertThat(Arrays.copyOf(received.getData(), received.getLength())).as(when).isEqualTo(toPeer);
        assertThat(received.getPort()).isEqualTo(relayed.getPort());

        byte[] toClient = ("to the client " + when).getBytes(StandardCharsets.UTF_8);
        peer.send(new DatagramPacket(toClient, toClient.length, received.getSocketAddress()));
        SocketTurnClient.RelayedData data = client.receiveData(5_000);
        assertThat(data).as("data back %s", when).isNotNull();
        assertThat(data.payload()).isEqualTo(toClient);
        assertThat(data.peer()).isEqualTo(peerAddress);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void healthReadinessAndMetricsOverHttp(String transport) throws Exception {
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.add("--user=alice:wonderland");
        args.add("--public-ip4-addr=127.0.0.1");
        args.add("--metrics-top-users=2");
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
            String base = "http://127.0.0.1:" + healthPort;
            awaitStatus(relay, base + "/readyz", 200);
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);

            InetSocketAddress server = new InetSocketAddress(LOOPBACK, listenPort);
            try (SocketTurnClient udp = new SocketTurnClient(LOOPBACK, server, "alice", "wonderland");
                    SocketTurnClient tcp = SocketTurnClient.tcp(LOOPBACK, server, "alice", "wonderland")) {
                assertThat(udp.allocate()).hasSize(1);
                assertThat(tcp.allocate()).hasSize(1);
                HttpResponse<String> metrics = get(base + "/metrics");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
                assertThat(metrics.body()).contains("# TYPE turnrelay_allocations gauge\n")
                        .contains("# TYPE turnrelay_allocation_duration_seconds histogram\n")
                        .doesNotContain("turnrelay_tls_certificate_not_after_seconds");
                Scrape scrape = Scrape.parse(metrics.body());
                assertThat(scrape.value("turnrelay_allocations{transport=\"udp\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_allocations{transport=\"tcp\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_allocations{transport=\"tls\"}")).isEqualTo(0);
                assertThat(scrape.value("turnrelay_responses_total{transport=\"udp\",method=\"allocate\",code=\"401\"}")).isGreaterThanOrEqualTo(1);
                assertThat(scrape.value("turnrelay_responses_total{transport=\"udp\",method=\"allocate\",code=\"0\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_responses_total{transport=\"tcp\",method=\"allocate\",code=\"0\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"client_to_peer\",datapath=\"userspace\"}")).isEqualTo(0);
                assertThat(scrape.value("turnrelay_connections{transport=\"tcp\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_connections_accepted_total{transport=\"tcp\"}")).isEqualTo(1);
                assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"per_ip_limit\"}")).isEqualTo(0);
                assertThat(scrape.value("turnrelay_portal_state{state=\"joined\"}")).isEqualTo(0);
                assertThat(scrape.value("turnrelay_allocation_duration_seconds_count{transport=\"tcp\"}")).isEqualTo(0);
                assertThat(scrape.has("turnrelay_top_user_relayed_bytes{user=\"alice\"}")).as("counted once an allocation ends").isFalse();
            }
            // The closed connection is counted; its allocation went with it.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Scrape closed = Scrape.parse(get(base + "/metrics").body());
                assertThat(closed.value("turnrelay_connections{transport=\"tcp\"}")).isEqualTo(0);
                assertThat(closed.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"client_closed\"}")).isEqualTo(1);
                assertThat(closed.value("turnrelay_allocations{transport=\"tcp\"}")).isEqualTo(0);
                assertThat(closed.value("turnrelay_allocation_duration_seconds_count{transport=\"tcp\"}")).isEqualTo(1);
                assertThat(closed.value("turnrelay_top_user_relayed_bytes{user=\"alice\"}")).as("nothing relayed").isZero();
            });
            relay.process.destroy();
            assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void sigtermExitsZeroWithinFiveSecondsAndFreesTheListenPort(String transport) throws Exception {
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.add("--user=alice:wonderland");
        args.add("--log-format=json");
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"))) {
            awaitStatus(relay, "http://127.0.0.1:" + healthPort + "/readyz", 200);
            try (SocketTurnClient client = new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), "alice", "wonderland")) {
                assertThat(client.allocate()).hasSize(1);
                SocketTurnClient.requireSuccess(client.refresh(0));
            }
            // The deleted allocation has its usage line, its fields also as key-value pairs.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(relay.stderrLines()).as("stderr").anySatisfy(line -> {
                Map<String, Object> event = JSON.std.mapFrom(line);
                assertThat(event).containsEntry("loggerName", "io.turnrelay.usage");
                assertThat((String) event.get("formattedMessage")).startsWith("usage: user=alice ").contains(" transport=udp ",
                        " reason=client_delete ");
                assertThat(event.get("kvpList").toString()).contains("reason=client_delete", "user=alice");
            }));
            long start = System.nanoTime();
            relay.process.destroy(); // SIGTERM
            Integer status = relay.awaitExit(Duration.ofSeconds(5));
            assertThat(status).as("exit status within 5 s; stderr: %s", relay.stderrLines()).isEqualTo(0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            // JSON logs: every line one object with a level and a formatted message.
            assertThat(relay.stderrLines()).isNotEmpty().allSatisfy(line -> {
                Map<String, Object> event = JSON.std.mapFrom(line);
                assertThat(event).containsKeys("level", "formattedMessage");
            });
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), listenPort))) {
            assertThat(socket.getLocalPort()).isEqualTo(listenPort);
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), lowestPort))) {
            assertThat(socket.getLocalPort()).isEqualTo(lowestPort);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void sigusr1DrainsThenTheProcessExitsZeroOnceTheLastAllocationIsGone(String transport) throws Exception {
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.addAll(List.of("--user=alice:wonderland", "--user=bob:builder", "--allow-loopback-peers", "--alternate-server=192.0.2.7:3478"));
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"));
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            String base = "http://127.0.0.1:" + healthPort;
            awaitStatus(relay, base + "/readyz", 200);
            InetSocketAddress server = new InetSocketAddress(LOOPBACK, listenPort);
            InetSocketAddress relayed;
            try (SocketTurnClient udp = new SocketTurnClient(LOOPBACK, server, "alice", "wonderland");
                    SocketTurnClient tcp = SocketTurnClient.tcp(LOOPBACK, server, "alice", "wonderland")) {
                relayed = udp.allocate().get(0);
                assertThat(tcp.allocate()).hasSize(1);
                SocketTurnClient.requireSuccess(udp.createPermission((InetSocketAddress) peer.getLocalSocketAddress()));
                assertThat(Scrape.parse(get(base + "/metrics").body()).value("turnrelay_draining")).isZero();

                relay.signal("USR1");
                awaitStatus(relay, base + "/readyz", 503);
                Scrape draining = Scrape.parse(get(base + "/metrics").body());
                assertThat(draining.value("turnrelay_draining")).isEqualTo(1);
                assertThat(draining.value("turnrelay_drain_allocations_left")).isEqualTo(2);
                assertThat(draining.value("turnrelay_drain_deadline_seconds")).isZero();
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(relay.stderrLines())
                        .anyMatch(l -> l.contains("SIGUSR1: draining") && l.contains("2 allocation(s)")));

                assertRelaysBothWays(udp, peer, relayed, "while draining");
                SocketTurnClient.requireSuccess(udp.refresh(600));
                try (SocketTurnClient newcomer = new SocketTurnClient(LOOPBACK, server, "bob", "builder")) {
                    StunMessage refused = newcomer.allocate(w -> {});
                    assertThat(SocketTurnClient.errorCode(refused)).isEqualTo(300);
                    assertThat(refused.alternateServer()).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 3478));
                }
                SocketTurnClient.requireSuccess(udp.refresh(0));
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(Scrape.parse(get(base + "/metrics").body()).value("turnrelay_drain_allocations_left")).isEqualTo(1));
                assertThat(relay.process.isAlive()).as("the TCP client's allocation is still there").isTrue();
                SocketTurnClient.requireSuccess(tcp.refresh(600));
                SocketTurnClient.requireSuccess(tcp.refresh(0));
                Integer status = relay.awaitExit(Duration.ofSeconds(10));
                assertThat(status).as("exit status once the last allocation is gone; stderr: %s", relay.stderrLines()).isEqualTo(0);
            }
            assertThat(relay.stderrLines()).anyMatch(l -> l.contains("Drained"));
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), listenPort))) {
            assertThat(socket.getLocalPort()).isEqualTo(listenPort);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "netty"})
    void atTheDrainDeadlineTheAllocationsLeftAreDeletedAndTheProcessExitsZero(String transport) throws Exception {
        List<String> args = new ArrayList<>(networkOptions(transport));
        args.addAll(List.of("--user=alice:wonderland", "--drain-deadline=2"));
        try (LauncherProcess relay = LauncherProcess.start(args, Map.of("PUBLIC_IP4_ADDR", "127.0.0.1"));
                SocketTurnClient client = new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), "alice", "wonderland")) {
            String base = "http://127.0.0.1:" + healthPort;
            awaitStatus(relay, base + "/readyz", 200);
            InetSocketAddress relayed = client.allocate().get(0);

            long signalled = System.nanoTime();
            relay.signal("USR1");
            awaitStatus(relay, base + "/readyz", 503);
            long deadline = (long) Scrape.parse(get(base + "/metrics").body()).value("turnrelay_drain_deadline_seconds");
            assertThat(deadline).isBetween(Instant.now().getEpochSecond() - 1, Instant.now().getEpochSecond() + 3);
            SocketTurnClient.requireSuccess(client.refresh(600));

            Integer status = relay.awaitExit(Duration.ofSeconds(15));
            assertThat(status).as("exit status; stderr: %s", relay.stderrLines()).isEqualTo(0);
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("waited for the deadline").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            LoopbackPorts.assertBindableWithinTimeout(relayed);
        }
    }

    @Test
    void withATokenTheRelayJoinsThePortalAndOnlyThenIsReady() throws Exception {
        String token = "portal-token-8f3a";
        try (PhoenixPortalStub portal = new PhoenixPortalStub(false)) {
            List<String> args = new ArrayList<>(networkOptions());
            args.add("--public-ip4-addr=127.0.0.1");
            args.add("--name=it-relay");
            try (LauncherProcess relay = LauncherProcess.start(args, Map.of("FIREZONE_TOKEN", token, "FIREZONE_API_URL", portal.apiUrl()))) {
                String base = "http://127.0.0.1:" + healthPort;
                awaitStatus(relay, base + "/readyz", 200);
                assertThat(portal.authorizations).contains("Bearer " + token);
                assertThat(portal.joinPayloads).hasSize(1);
                assertThat((String) portal.joinPayloads.get(0).get("stamp_secret")).matches("[0-9a-f]{64}");
                assertThat(Scrape.parse(get(base + "/metrics").body()).value("turnrelay_portal_state{state=\"joined\"}")).isEqualTo(1);
                relay.process.destroy();
                assertThat(relay.awaitExit(Duration.ofSeconds(5))).isEqualTo(0);
                assertThat(relay.stderrLines()).isNotEmpty().noneMatch(line -> line.contains(token));
            }
        }
    }

    @Test
    void aRejectedTokenEndsTheProcessWithAnErrorAndNonZeroStatus() throws Exception {
        String token = "rejected-token-51c0";
        try (PhoenixPortalStub portal = new PhoenixPortalStub(true)) {
            List<String> args = new ArrayList<>(networkOptions());
            args.add("--public-ip4-addr=127.0.0.1");
            try (LauncherProcess relay = LauncherProcess.start(args, Map.of("FIREZONE_TOKEN", token, "FIREZONE_API_URL", portal.apiUrl()))) {
                Integer status = relay.awaitExit(START_TIMEOUT);
                assertThat(status).as("stderr: %s", relay.stderrLines()).isEqualTo(1);
                assertThat(relay.stderrLines()).anyMatch(line -> line.contains("ERROR") && line.contains("401"))
                        .noneMatch(line -> line.contains(token));
                assertThat(portal.authorizations).contains("Bearer " + token);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--denied-peer-ip=10.0.0.0/40|--denied-peer-ip",
        "--lowest-port=40000 --highest-port=30000|--lowest-port",
        "--transport=carrier-pigeon|--transport",
        "--user=alice|--user",
        "--workers=many|--workers",
    })
    void badOptionsExitTwoWithOneLineNamingTheOption(String args, String option) throws Exception {
        try (LauncherProcess relay = LauncherProcess.start(List.of(args.split(" ")), Map.of())) {
            assertThat(relay.awaitExit(START_TIMEOUT)).isEqualTo(2);
            assertThat(relay.stderrLines()).hasSize(1);
            assertThat(relay.stderrLines().get(0)).contains(option).doesNotContain("Exception");
        }
    }

    @Test
    void aTakenListenPortExitsTwoNamingTheOption() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0))) {
            List<String> args = List.of("--listen-port=" + taken.getLocalPort(), "--lowest-port=" + lowestPort,
                    "--highest-port=" + (lowestPort + 99), "--health-check-addr=127.0.0.1:" + healthPort, "--user=a:b");
            try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
                assertThat(relay.awaitExit(START_TIMEOUT)).isEqualTo(2);
                assertThat(relay.stderrLines()).as("stderr").hasSize(1);
                assertThat(relay.stderrLines().get(0)).startsWith("relay-cli: --listen-port:").doesNotContain("Exception");
            }
        }
    }

    @Test
    void aTakenHealthCheckPortExitsTwoNamingTheOptionAndFreesTheListenPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            List<String> args = List.of("--listen-port=" + listenPort, "--lowest-port=" + lowestPort,
                    "--highest-port=" + (lowestPort + 99), "--health-check-addr=127.0.0.1:" + taken.getLocalPort(), "--user=a:b");
            try (LauncherProcess relay = LauncherProcess.start(args, Map.of())) {
                assertThat(relay.awaitExit(START_TIMEOUT)).isEqualTo(2);
                assertThat(relay.stderrLines()).as("stderr").hasSize(1);
                assertThat(relay.stderrLines().get(0)).startsWith("relay-cli: --health-check-addr:");
            }
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), listenPort))) {
            assertThat(socket.getLocalPort()).as("the relay closed its socket before exiting").isEqualTo(listenPort);
        }
    }

    private void awaitStatus(LauncherProcess relay, String url, int status) {
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            assertThat(relay.process.isAlive()).as("relay still running; stderr: %s", relay.stderrLines()).isTrue();
            assertThat(get(url).statusCode()).isEqualTo(status);
        });
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
