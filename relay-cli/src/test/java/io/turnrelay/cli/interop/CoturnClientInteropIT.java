package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.SocketTurnClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * coturn's test clients (Debian package {@code coturn}: turnutils_uclient, turnutils_peer, turnutils_stunclient) against relay-cli on
 * both transports, and the same runs against coturn's own turnserver: every scenario must come out the same
 * on all three, and that outcome is spelled out here. uclient reaches the server over UDP, TCP ({@code -t}) or
 * TLS ({@code -t -S}); the relay leg to the peer is UDP in every case. CI installs the package; elsewhere the
 * suite is skipped when the tools are missing (it fails instead when CI=true).
 *
 * <p>Runs go in parallel (src/test/resources/junit-platform.properties): each has a server of its own on ports
 * of its own, and they share only the echoing peer.
 */
@Execution(ExecutionMode.CONCURRENT)
class CoturnClientInteropIT {
    private static EchoPeer peer;
    private static int peerPort;

    /**
     * One uclient run: how it reaches the server, its arguments (before the server address), and what every
     * server must make of it.
     *
     * @param messages the messages uclient must count as sent and as received back over all its sessions (each
     *     client has an RTP and an RTCP session, -m rounds up to even), 0 when not checked
     */
    record Scenario(String name, Setup setup, ClientTransport transport, String expected, int messages, boolean ipv6, List<String> arguments) {
        Scenario(String name, Setup setup, String expected, boolean ipv6, List<String> arguments) {
            this(name, setup, ClientTransport.UDP, expected, 0, ipv6, arguments);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> runs() {
        List<Scenario> scenarios = List.of(
                new Scenario("channel data, 1,000 messages", Setup.OPEN, "ok", false, List.of("-n", "1000", "-z", "2")),
                new Scenario("send indications", Setup.OPEN, "ok", false, List.of("-s", "-n", "200", "-z", "5")),
                new Scenario("several clients", Setup.OPEN, "ok", false, List.of("-m", "10", "-n", "100", "-z", "5")),
                new Scenario("large payloads", Setup.OPEN, "ok", false, List.of("-l", "1200", "-n", "200", "-z", "5")),
                new Scenario("client to client", Setup.OPEN, "ok", false, List.of("-y", "-m", "4", "-n", "100", "-z", "5")),
                new Scenario("IPv6", Setup.OPEN, "ok", true, List.of("-x", "-n", "100", "-z", "5")),
                new Scenario("dual allocation", Setup.OPEN, "ok", false, List.of("-Z", "-n", "100", "-z", "5")),
                new Scenario("DONT-FRAGMENT", Setup.OPEN, "ok", false, List.of("-g", "-n", "100", "-z", "5")),
                new Scenario("padded channel data", Setup.OPEN, "ok", false, List.of("-D", "-n", "100", "-z", "5")),
                new Scenario("TURN REST credentials", Setup.REST, "ok", false, List.of("-W", TurnServerUnderTest.REST_SECRET, "-n", "100", "-z", "5")),
                new Scenario("negative protocol tests", Setup.OPEN, "error 400", false, List.of("-N", "-n", "10")),
                new Scenario("forbidden peer", Setup.STRICT_POLICY, "error 403", false, List.of("-n", "10")),
                new Scenario("user quota", Setup.QUOTA_ONE, "error 486", false, List.of("-m", "2", "-n", "10")),
                new Scenario("exhausted port range", Setup.ONE_PORT, "error 508", false, List.of("-m", "2", "-n", "10")),
                // Over TCP and TLS (uclient adds padding to ChannelData on a stream, as RFC 8656 §12.5 requires).
                new Scenario("TCP: channel data", Setup.OPEN, ClientTransport.TCP, "ok", 200, false, List.of("-n", "100", "-z", "5")),
                new Scenario("TCP: send indications", Setup.OPEN, ClientTransport.TCP, "ok", 200, false, List.of("-s", "-n", "100", "-z", "5")),
                new Scenario("TCP: several clients", Setup.OPEN, ClientTransport.TCP, "ok", 500, false, List.of("-m", "10", "-n", "50", "-z", "5")),
                new Scenario("TCP: IPv6", Setup.OPEN, ClientTransport.TCP, "ok", 200, true, List.of("-x", "-n", "100", "-z", "5")),
                // Over TLS with 1,000-byte messages, so that the byte count (see runAgainst) tells a lost one from the
                // STUN responses of a run.
                new Scenario("TLS: channel data", Setup.OPEN, ClientTransport.TLS, "ok", 200, false, List.of("-l", "1000", "-n", "100", "-z", "5")),
                new Scenario("TLS: send indications", Setup.OPEN, ClientTransport.TLS, "ok", 200, false,
                        List.of("-s", "-l", "1000", "-n", "100", "-z", "5")),
                new Scenario("TLS: several clients", Setup.OPEN, ClientTransport.TLS, "ok", 500, false, List.of("-m", "10", "-l", "1000", "-n", "50", "-z", "5")),
                new Scenario("TLS: several clients, send indications", Setup.OPEN, ClientTransport.TLS, "ok", 400, false,
                        List.of("-s", "-m", "4", "-l", "1000", "-n", "100", "-z", "5")),
                new Scenario("TLS: IPv6", Setup.OPEN, ClientTransport.TLS, "ok", 200, true, List.of("-x", "-l", "1000", "-n", "100", "-z", "5")));
        List<Arguments> runs = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            for (String server : TurnServerUnderTest.servers()) {
                runs.add(Arguments.of(server, scenario));
            }
        }
        return runs.stream();
    }

    @BeforeAll
    static void startPeer() throws Exception {
        ExternalProcess.requireTools("coturn", "turnutils_uclient", "turnutils_peer", "turnutils_stunclient", "turnserver");
        peer = EchoPeer.start();
        peerPort = peer.port;
    }

    @AfterAll
    static void stopPeer() throws IOException {
        if (peer != null) {
            peer.close();
        }
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("runs")
    void scenarioComesOutAsOnEveryServer(String server, Scenario scenario) throws Exception {
        // A server of its own per run: uclient leaves its allocations behind, and a later run whose ephemeral
        // port repeats an old 5-tuple would get 437 from any server.
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, scenario.setup(), scenario.transport() == ClientTransport.TLS)) {
            runAgainst(target, server, scenario);
        }
    }

    static Stream<Arguments> bindingRuns() {
        List<Arguments> runs = new ArrayList<>();
        for (String host : TurnServerUnderTest.HOSTS) {
            for (String server : TurnServerUnderTest.servers()) {
                runs.add(Arguments.of(server, host));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "STUN Binding over {1} on {0}")
    @MethodSource("bindingRuns")
    void stunClientLearnsItsReflexiveAddress(String server, String host) throws Exception {
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, Setup.OPEN)) {
            ExternalProcess.Result result = ExternalProcess.run(List.of("turnutils_stunclient", "-p", Integer.toString(target.port), host), 20);
            String family = host.contains(":") ? "IPv6" : "IPv4";
            // On loopback the reflexive address is the client's own: the host it used, on some port.
            assertThat(result.output()).as("stunclient against %s:%n%s%nserver log tail:%n%s", server, result.output(), target.logTail())
                    .containsPattern(family + "\\. UDP reflexive addr: " + Pattern.quote(host) + ":[1-9][0-9]*\\b");
            assertThat(result.exitCode()).as("exit status of stunclient against %s", server).isZero();
        }
    }

    static Stream<Arguments> redirectRuns() {
        List<Arguments> runs = new ArrayList<>();
        for (String server : TurnServerUnderTest.servers()) {
            // Ours only: coturn's --alternate-server sends every Allocate away, not only those it cannot take.
            if (!server.equals("coturn")) {
                for (ClientTransport transport : List.of(ClientTransport.UDP, ClientTransport.TCP)) {
                    runs.add(Arguments.of(server, transport));
                }
            }
        }
        return runs.stream();
    }

    /**
     * uclient follows a 300 on its first (probe) Allocate (startuclient.c {@code clnet_allocate}, coturn 4.6): its
     * sessions then allocate and relay on the alternate. Here the relay it asks has its one relay port taken.
     */
    @ParameterizedTest(name = "uclient over {1} follows 300 from {0} with no relay port left")
    @MethodSource("redirectRuns")
    void uclientFollowsATryAlternateToTheAlternateServer(String server, ClientTransport transport) throws Exception {
        try (TurnServerUnderTest alternate = TurnServerUnderTest.start(server, Setup.OPEN);
                TurnServerUnderTest full = TurnServerUnderTest.start(server, Setup.ONE_PORT, false,
                        List.of("--alternate-server", "127.0.0.1:" + alternate.port));
                SocketTurnClient holder = SocketTurnClient.udp(InetAddress.getByName("127.0.0.1"),
                        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), full.port), TurnServerUnderTest.USER, TurnServerUnderTest.PASSWORD)) {
            assertThat(holder.allocate()).as("the one relay port").hasSize(1);
            List<String> command = new ArrayList<>(List.of("turnutils_uclient", "-p", Integer.toString(full.port)));
            if (transport.isStream()) {
                command.add("-t");
            }
            command.addAll(List.of("-u", TurnServerUnderTest.USER, "-w", TurnServerUnderTest.PASSWORD, "-e", "127.0.0.1",
                    "-r", Integer.toString(peerPort), "-n", "100", "-z", "5", "127.0.0.1"));
            UclientOutcome outcome = UclientOutcome.of(ExternalProcess.run(command, 60));
            String description = String.format("uclient over %s against %s: %s%nfull relay's log tail:%n%s%nalternate's log tail:%n%s",
                    transport, server, outcome, full.logTail(), alternate.logTail());
            assertThat(outcome.errorCode()).as("the redirect uclient was given; " + description).isEqualTo(300);
            assertThat(outcome.exitCode()).as(description).isZero();
            assertThat(outcome.noLoss()).as(description).isTrue();
            assertThat(outcome.counts()).as(description).isEqualTo("200 sent, 200 received");

            String label = transport.label();
            assertThat(full.metric("turnrelay_responses_total{transport=\"" + label + "\",method=\"allocate\",code=\"300\"}"))
                    .as(description).isPositive();
            assertThat(full.metric("turnrelay_relayed_packets_total{transport=\"" + label + "\",direction=\"client_to_peer\",datapath=\"userspace\"}"))
                    .as(description).isZero();
            assertThat(alternate.metric("turnrelay_responses_total{transport=\"" + label + "\",method=\"allocate\",code=\"0\"}"))
                    .as("uclient's RTP and RTCP sessions; " + description).isGreaterThanOrEqualTo(2);
            assertThat(alternate.metric("turnrelay_relayed_packets_total{transport=\"" + label + "\",direction=\"client_to_peer\",datapath=\"userspace\"}"))
                    .as(description).isEqualTo(200);
        }
    }

    private static void runAgainst(TurnServerUnderTest target, String server, Scenario scenario) throws Exception {
        String host = scenario.ipv6() ? "::1" : "127.0.0.1";
        List<String> command = new ArrayList<>(List.of("turnutils_uclient", "-p", Integer.toString(target.port(scenario.transport()))));
        if (scenario.transport().isStream()) {
            command.add("-t");
        }
        if (scenario.transport() == ClientTransport.TLS) {
            command.addAll(List.of("-S", "-v")); // -v: the size of every TLS read, see UclientOutcome
        }
        if (scenario.setup() == Setup.REST) {
            command.addAll(List.of("-u", "alice"));
        } else {
            command.addAll(List.of("-u", TurnServerUnderTest.USER, "-w", TurnServerUnderTest.PASSWORD));
        }
        if (!scenario.arguments().contains("-y")) {
            command.addAll(List.of("-e", host, "-r", Integer.toString(peerPort)));
        }
        command.addAll(scenario.arguments());
        command.add(host);
        UclientOutcome outcome = UclientOutcome.of(ExternalProcess.run(command, 60));
        String description = String.format("%s against %s: %s%nserver log tail:%n%s", scenario, server, outcome, target.logTail());
        int messages = scenario.messages();
        if (scenario.transport() != ClientTransport.TLS) {
            assertThat(outcome.label()).as(description).isEqualTo(scenario.expected());
            if (messages > 0) {
                assertThat(outcome.counts()).as(description).isEqualTo(messages + " sent, " + messages + " received");
            }
        } else {
            // uclient's own loss figure over TLS is only right for a server that writes one message per TLS record
            // (see UclientOutcome); coturn and our Netty transport pack several into one under load. So: the run
            // completed without a STUN error, sent every message, and read back at least every message's bytes (the
            // rest being STUN responses, fewer bytes than one 1,000-byte message in a short run: a lost message shows).
            assertThat(scenario.expected()).isEqualTo("ok");
            assertThat(outcome.exitCode()).as(description).isZero();
            assertThat(outcome.errorCode()).as(description).isZero();
            assertThat(outcome.sent()).as(description).isEqualTo(messages);
            assertThat(outcome.tlsBytesReceived()).as("TLS bytes read back: " + description)
                    .isGreaterThanOrEqualTo((long) messages * dataMessageSize(scenario));
            // Some handshake succeeded (uclient retries the versions a server refuses; ours refuses TLS 1.0 and 1.1).
            assertThat(outcome.tlsVersions()).as(description).isNotEmpty();
            if (target.isOurs()) {
                assertThat(outcome.tlsVersions()).as(description).isSubsetOf("TLSv1.2", "TLSv1.3");
                // Each handshake uclient gave up on is one our relay refused and counted (a readiness probe that timed
                // out in its handshake counts too).
                assertThat(target.metric("turnrelay_connections_closed_total{transport=\"tls\",reason=\"tls_failure\"}"))
                        .as("TLS handshakes our relay refused; " + description).isGreaterThanOrEqualTo(outcome.tlsFailures());
            }
        }
        if (target.isOurs() && scenario.transport().isStream() && messages > 0) {
            // Our relay's own count, exact whatever the records: every message to the peer and every echo back.
            String transport = scenario.transport().label();
            assertThat(target.metric("turnrelay_relayed_packets_total{transport=\"" + transport + "\",direction=\"client_to_peer\",datapath=\"userspace\"}"))
                    .as("relayed to the peer; " + description).isEqualTo(messages);
            assertThat(target.metric("turnrelay_relayed_packets_total{transport=\"" + transport + "\",direction=\"peer_to_client\",datapath=\"userspace\"}"))
                    .as("relayed back to the client; " + description).isEqualTo(messages);
        }
    }

    /**
     * The smallest a data message the server sends back can be on the wire: ChannelData is 4 bytes of header and
     * the payload padded to 4 (RFC 8656 §12.5); a Data indication ({@code -s}) is a 20-byte STUN header,
     * XOR-PEER-ADDRESS (12 bytes for IPv4, 24 for IPv6) and DATA (4 + the padded payload); a server may add
     * attributes.
     */
    private static int dataMessageSize(Scenario scenario) {
        List<String> arguments = scenario.arguments();
        int length = arguments.contains("-l") ? Integer.parseInt(arguments.get(arguments.indexOf("-l") + 1)) : 100;
        int padded = (length + 3) & ~3;
        return arguments.contains("-s") ? 20 + (scenario.ipv6() ? 24 : 12) + 4 + padded : 4 + padded;
    }
}
