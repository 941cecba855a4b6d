package io.turnrelay.cli.interop;

import static io.turnrelay.cli.interop.NetworkNamespaces.CLIENT;
import static io.turnrelay.cli.interop.NetworkNamespaces.HOST_IP4;
import static io.turnrelay.cli.interop.NetworkNamespaces.PEER;
import static io.turnrelay.cli.interop.NetworkNamespaces.PEER_IP4;
import static io.turnrelay.cli.interop.NetworkNamespaces.PEER_IP6;
import static io.turnrelay.cli.interop.NetworkNamespaces.RELAY;
import static io.turnrelay.cli.interop.NetworkNamespaces.RELAY_IP4;
import static io.turnrelay.cli.interop.NetworkNamespaces.RELAY_IP6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.turnrelay.cli.ops.Scrape;
import io.turnrelay.core.spi.SocketTurnClient;
import io.turnrelay.core.spi.SocketTurnClient.RelayedData;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.xdp.XdpOffload;
import io.turnrelay.xdp.XdpSupport;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * relay-cli with its XDP data plane between three hosts (network namespaces joined by a router, see
 * {@link NetworkNamespaces}): coturn's turnutils_uclient in the client's namespace, turnutils_peer echoing in the
 * peer's, the relay in its own with {@code --xdp eth0}. The relay's /metrics and a {@link SocketTurnClient} reach it
 * from the test's namespace over a link of their own. Needs root, clang-built relay-xdp and the coturn package;
 * skipped elsewhere, failing under CI.
 */
class XdpNamespaceIT {
    private static final String USER = TurnServerUnderTest.USER;
    private static final String PASSWORD = TurnServerUnderTest.PASSWORD;
    private static final int LISTEN_PORT = 3478;
    private static final int PEER_PORT = 3480;
    private static final String OPERATIONS = "http://" + RELAY_IP4 + ":8080";
    private static final int WAIT_MS = 5_000;

    private static NetworkNamespaces namespaces;
    private static ExternalProcess echoPeer;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void createHosts() throws Exception {
        ExternalProcess.requireTools("coturn iproute2 ethtool tcpdump util-linux", "turnutils_uclient", "turnutils_peer", "ip", "ethtool",
                "tcpdump", "setpriv");
        XdpSupport support = XdpOffload.support();
        if (!support.available() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("XDP is not available: " + support.reason());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(support.available(), support.reason());
        namespaces = NetworkNamespaces.create("tqit");
        echoPeer = ExternalProcess.start(namespaces.in(PEER, List.of("timeout", "1200", "turnutils_peer", "-p", Integer.toString(PEER_PORT),
                "-L", PEER_IP4, "-L", PEER_IP6)));
    }

    @AfterAll
    static void removeHosts() throws IOException {
        if (echoPeer != null) {
            echoPeer.close();
        }
        if (namespaces != null) {
            namespaces.close();
        }
    }

    @AfterEach
    void closeResources() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** relay-cli in the relay's namespace on {@code transport}, with {@code --xdp eth0 --xdp-mode MODE} unless mode is "off". */
    private ExternalProcess startRelay(String transport, String mode, String... extra) throws Exception {
        List<String> command = relayCommand(transport, mode, extra);
        ExternalProcess relay = ExternalProcess.start(namespaces.in(RELAY, command));
        resources.add(relay);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!relay.isAlive()) {
                throw new AssertionError("relay-cli exited at start:\n" + relay.output());
            }
            return readyz() == 200;
        });
        return relay;
    }

    private static List<String> relayCommand(String transport, String mode, String... extra) {
        List<String> command = new ArrayList<>(List.of("timeout", "600", TurnServerUnderTest.RELAY_CLI.toString(),
                "--transport", transport,
                "--listen-port", Integer.toString(LISTEN_PORT),
                "--lowest-port", "49152", "--highest-port", "49999",
                "--bind-ip4-addr", RELAY_IP4, "--public-ip4-addr", RELAY_IP4,
                "--bind-ip6-addr", RELAY_IP6, "--public-ip6-addr", RELAY_IP6,
                "--health-check-addr", RELAY_IP4 + ":8080",
                "--user", USER + ":" + PASSWORD,
                "--allowed-peer-ip", "198.18.0.0/15", "--allowed-peer-ip", "2001:db8::/32",
                "--rfc5766-channel-numbers", "--user-quota", "1000"));
        if (!mode.equals("off")) {
            command.addAll(List.of("--xdp", "eth0", "--xdp-mode", mode));
        }
        command.addAll(List.of(extra));
        return command;
    }

    private static int readyz() {
        try {
            return http().send(HttpRequest.newBuilder(URI.create(OPERATIONS + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static Scrape metrics() throws IOException, InterruptedException {
        return Scrape.parse(http().send(HttpRequest.newBuilder(URI.create(OPERATIONS + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    private static long relayed(Scrape scrape, String direction, String datapath) {
        return (long) scrape.value("turnrelay_relayed_packets_total{transport=\"udp\",direction=\"" + direction + "\",datapath=\"" + datapath + "\"}");
    }

    private static long entries() throws IOException, InterruptedException {
        return (long) metrics().value("turnrelay_xdp_table_entries");
    }

    private static long noAllocationDrops() throws IOException, InterruptedException {
        return (long) metrics().value("turnrelay_dropped_packets_total{transport=\"udp\",reason=\"no_allocation\"}");
    }

    /** uclient in the client's namespace: {@code clients} allocations of one channel each (-c: no RTCP), each sending {@code messages}. */
    private static UclientOutcome uclient(boolean ipv6, int clients, int messages, int intervalMs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("turnutils_uclient", "-c", "-n", Integer.toString(messages), "-m", Integer.toString(clients),
                "-l", "170", "-z", Integer.toString(intervalMs), "-u", USER, "-w", PASSWORD, "-e", ipv6 ? PEER_IP6 : PEER_IP4,
                "-r", Integer.toString(PEER_PORT), "-p", Integer.toString(LISTEN_PORT)));
        if (ipv6) {
            command.add("-x");
        }
        command.add(ipv6 ? RELAY_IP6 : RELAY_IP4);
        return UclientOutcome.of(ExternalProcess.run(namespaces.in(CLIENT, command), 120));
    }

    @ParameterizedTest(name = "{0}, XDP {1}")
    @CsvSource({"nio,off", "nio,generic", "nio,native", "netty,native"})
    void uclientRelaysEveryMessageOverIpv4AndIpv6AndWithXdpTheKernelRelaysThem(String transport, String mode) throws Exception {
        ExternalProcess relay = startRelay(transport, mode);
        int clients = 10;
        int messages = 300;
        for (boolean ipv6 : new boolean[] {false, true}) {
            UclientOutcome outcome = uclient(ipv6, clients, messages, 5);
            assertThat(outcome.label()).as("uclient over IPv%s:%n%s%nrelay:%n%s", ipv6 ? 6 : 4, outcome.output(), relay.output()).isEqualTo("ok");
            assertThat(outcome.counts()).isEqualTo(clients * messages + " sent, " + clients * messages + " received");
        }
        long total = 2L * clients * messages;
        Scrape scrape = metrics();
        for (String direction : List.of("client_to_peer", "peer_to_client")) {
            long kernel = relayed(scrape, direction, "xdp");
            long userspace = relayed(scrape, direction, "userspace");
            assertThat(kernel + userspace).as(direction + ": every message relayed once").isEqualTo(total);
            if (mode.equals("off")) {
                assertThat(kernel).isZero();
            } else {
                // Bound before the ChannelBind's answer, so nothing is left for userspace but a stray late retransmission.
                assertThat(kernel).as(direction + " through XDP").isGreaterThanOrEqualTo(total * 99 / 100);
            }
        }
        if (!mode.equals("off")) {
            assertThat(scrape.value("turnrelay_xdp_table_entries")).as("uclient deleted its allocations").isZero();
            assertThat(relay.output()).contains("Bound channels of UDP clients are relayed in the kernel: xdp " + mode + " on eth0");
        }
    }

    @Test
    void refreshZeroAndExpiryStopKernelRelayingAtOnceAsACaptureOnThePeerShows() throws Exception {
        startRelay("nio", "native");
        ExternalProcess capture = ExternalProcess.start(namespaces.in(PEER, List.of("timeout", "300", "tcpdump", "-i", "eth0", "-n", "-l",
                "-Q", "in", "udp and src host " + RELAY_IP4 + " and dst port " + PEER_PORT)));
        resources.add(capture);
        await().atMost(Duration.ofSeconds(20)).until(() -> capture.output().contains("listening on"));
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getByName(PEER_IP4), PEER_PORT);

        SocketTurnClient deleting = client();
        deleting.allocate();
        SocketTurnClient.requireSuccess(deleting.channelBind(0x4000, peer));
        echoRoundTrips(deleting, 0x4000, 20);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> captured(capture) == 20);
        Scrape scrape = metrics();
        assertThat(relayed(scrape, "client_to_peer", "xdp")).isEqualTo(20);
        assertThat(relayed(scrape, "peer_to_client", "xdp")).isEqualTo(20);
        assertThat(relayed(scrape, "client_to_peer", "userspace")).isZero();
        assertThat(scrape.value("turnrelay_xdp_table_entries")).isEqualTo(2);

        SocketTurnClient.requireSuccess(deleting.refresh(0));
        assertThat(entries()).isZero();
        long dropped = noAllocationDrops();
        sendChannelData(deleting, 0x4000, 20);
        // The relay saw all 20 (the program passed them up) and dropped them: none went to the peer.
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> noAllocationDrops() == dropped + 20);
        assertThat(captured(capture)).as("datagrams at the peer after Refresh 0").isEqualTo(20);

        SocketTurnClient expiring = client();
        StunMessage allocated = expiring.allocate(w -> w.lifetime(2));
        SocketTurnClient.requireSuccess(allocated);
        SocketTurnClient.requireSuccess(expiring.channelBind(0x4001, peer));
        echoRoundTrips(expiring, 0x4001, 5);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> captured(capture) == 25);
        await().atMost(Duration.ofSeconds(10)).until(() -> entries() == 0);
        long droppedBefore = noAllocationDrops();
        sendChannelData(expiring, 0x4001, 20);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> noAllocationDrops() == droppedBefore + 20);
        assertThat(captured(capture)).as("datagrams at the peer after the allocation expired").isEqualTo(25);
    }

    @Test
    void thousandsOfBindsWhileTrafficFlowsLeaveNoStaleEntryAndTheTablesStayWithinTheirBound() throws Exception {
        int tableChannels = 8;
        startRelay("nio", "native", "--xdp-channels", Integer.toString(tableChannels));
        // 10 uclient channels for about 10 s: more than the table holds, so the relay relays the rest itself.
        CompletableFuture<UclientOutcome> traffic = CompletableFuture.supplyAsync(() -> {
            try {
                return uclient(false, 10, 2_000, 5);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        List<DatagramSocket> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(HOST_IP4), 0));
            socket.setSoTimeout(WAIT_MS);
            resources.add(socket);
            peers.add(socket);
        }
        int binds = 0;
        long mostEntries = 0;
        for (int round = 0; round < 500; round++) {
            try (SocketTurnClient client = client()) {
                client.allocate();
                for (int i = 0; i < peers.size(); i++) {
                    SocketTurnClient.requireSuccess(client.channelBind(0x4000 + i, (InetSocketAddress) peers.get(i).getLocalSocketAddress()));
                    binds++;
                }
                for (int i = 0; i < peers.size(); i++) {
                    byte[] payload = ("round " + round + " peer " + i).getBytes(StandardCharsets.UTF_8);
                    client.sendChannelData(0x4000 + i, payload);
                    DatagramPacket received = new DatagramPacket(new byte[256], 256);
                    peers.get(i).receive(received);
                    assertThat(new String(received.getData(), 0, received.getLength(), StandardCharsets.UTF_8)).isEqualTo(new String(payload,
                            StandardCharsets.UTF_8));
                }
                if (round % 25 == 0) {
                    mostEntries = Math.max(mostEntries, entries());
                }
                SocketTurnClient.requireSuccess(client.refresh(0));
            }
        }
        UclientOutcome outcome = traffic.get();
        assertThat(outcome.label()).as(outcome.output()).isEqualTo("ok");
        assertThat(outcome.counts()).isEqualTo("20000 sent, 20000 received");
        assertThat(binds).isEqualTo(2_000);
        assertThat(mostEntries).as("entries: two per offloaded channel, at most the table's channels").isPositive()
                .isLessThanOrEqualTo(2L * tableChannels);
        assertThat(entries()).as("stale entries").isZero();
        Scrape scrape = metrics();
        assertThat(relayed(scrape, "client_to_peer", "xdp")).as("through the kernel").isPositive();
        assertThat(relayed(scrape, "client_to_peer", "userspace")).as("beyond the table, by the relay").isPositive();
        assertThat(relayed(scrape, "client_to_peer", "xdp") + relayed(scrape, "client_to_peer", "userspace")).isEqualTo(20_000 + binds);
    }

    @Test
    void theKernelDetachesTheProgramWhenTheRelayIsKilled() throws Exception {
        ExternalProcess relay = startRelay("nio", "native");
        assertThat(namespaces.link(RELAY)).contains("prog/xdp");
        long pid = relay.pid();
        ExternalProcess.Result killed = ExternalProcess.run(List.of("kill", "-KILL", Long.toString(javaPid(pid))), 10);
        assertThat(killed.exitCode()).as(killed.output()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> !namespaces.link(RELAY).contains("prog/xdp"));
        // Nothing stale blocks the next start.
        startRelay("nio", "native");
        assertThat(namespaces.link(RELAY)).contains("prog/xdp");
    }

    @Test
    void whenXdpCannotWorkTheRelayExitsTwoNamingTheCause() throws Exception {
        ExternalProcess.Result noBpf = ExternalProcess.run(namespaces.withoutCapabilities(RELAY, "-bpf,-sys_admin,-perfmon",
                relayCommand("nio", "native")), 60);
        assertThat(noBpf.exitCode()).as(noBpf.output()).isEqualTo(2);
        assertThat(noBpf.output()).contains("relay-cli: --xdp: ").contains("Operation not permitted").contains("CAP_BPF");

        ExternalProcess.Result unknown = ExternalProcess.run(namespaces.in(RELAY, replace(relayCommand("nio", "native"), "eth0", "nosuchif0")), 60);
        assertThat(unknown.exitCode()).as(unknown.output()).isEqualTo(2);
        assertThat(unknown.output()).contains("relay-cli: --xdp: nosuchif0: no such network interface");

        startRelay("nio", "native");
        List<String> second = replace(replace(relayCommand("nio", "native"), "3478", "3479"), RELAY_IP4 + ":8080", RELAY_IP4 + ":8081");
        ExternalProcess.Result busy = ExternalProcess.run(namespaces.in(RELAY, replace(second, "49152", "48000")), 60);
        assertThat(busy.exitCode()).as(busy.output()).isEqualTo(2);
        assertThat(busy.output()).contains("relay-cli: --xdp: eth0: cannot attach").contains("another XDP program is attached");
    }

    // -------------------------------------------------------------------------------------------------------------

    private SocketTurnClient client() throws IOException {
        SocketTurnClient client = SocketTurnClient.udp(InetAddress.getByName(HOST_IP4), new InetSocketAddress(InetAddress.getByName(RELAY_IP4),
                LISTEN_PORT), USER, PASSWORD);
        resources.add(client);
        return client;
    }

    private static void echoRoundTrips(SocketTurnClient client, int channel, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            byte[] payload = ("echo " + i).getBytes(StandardCharsets.UTF_8);
            client.sendChannelData(channel, payload);
            RelayedData back = client.receiveData(WAIT_MS);
            assertThat(back).as("echo %d", i).isNotNull();
            assertThat(back.channel()).isEqualTo(channel);
            assertThat(back.payload()).isEqualTo(payload);
        }
    }

    private static void sendChannelData(SocketTurnClient client, int channel, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            client.sendChannelData(channel, ("after " + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Datagrams from the relay that tcpdump saw arrive at the peer so far. */
    private static long captured(ExternalProcess capture) throws IOException {
        return capture.output().lines().filter(line -> line.contains(" IP " + RELAY_IP4 + ".")).count();
    }

    /** The relay's JVM: the process under {@code timeout} (ip netns exec and the launcher exec into it). */
    private static long javaPid(long timeoutPid) {
        return ProcessHandle.of(timeoutPid).flatMap(handle -> handle.children().findFirst()).map(ProcessHandle::pid)
                .orElseThrow(() -> new AssertionError("no process under " + timeoutPid));
    }

    private static List<String> replace(List<String> command, String from, @Nullable String to) {
        List<String> replaced = new ArrayList<>();
        for (String argument : command) {
            replaced.add(argument.equals(from) ? to : argument);
        }
        return replaced;
    }
}
