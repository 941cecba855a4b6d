package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import io.turnrelay.core.spi.LoopbackPorts;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * coturn's test clients (Debian package {@code coturn}: turnutils_uclient, turnutils_peer, turnutils_stunclient) against relay-cli on
 * both transports, and the same runs against coturn's own turnserver: every scenario must come out the same
 * on all three, and that outcome is spelled out here. CI installs the package; elsewhere the suite is skipped
 * when the tools are missing (it fails instead when CI=true).
 */
class CoturnClientInteropIT {
    private static final List<String> SERVERS = List.of("nio", "netty", "coturn");
    private static ExternalProcess peer;
    private static int peerPort;

    /** One uclient run: its arguments (before the server address), and what every server must make of it. */
    record Scenario(String name, Setup setup, String expected, boolean ipv6, List<String> arguments) {
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
                new Scenario("exhausted port range", Setup.ONE_PORT, "error 508", false, List.of("-m", "2", "-n", "10")));
        List<Arguments> runs = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            for (String server : SERVERS) {
                runs.add(Arguments.of(server, scenario));
            }
        }
        return runs.stream();
    }

    @BeforeAll
    static void startPeer() throws Exception {
        ExternalProcess.requireTools("coturn", "turnutils_uclient", "turnutils_peer", "turnutils_stunclient", "turnserver");
        peerPort = LoopbackPorts.freePort();
        // turnutils_peer echoes every datagram back; bounded so a crashed test run cannot leave it behind.
        peer = ExternalProcess.start(List.of("timeout", "900", "turnutils_peer", "-p", Integer.toString(peerPort), "-L", "127.0.0.1", "-L", "::1"));
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
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, scenario.setup())) {
            runAgainst(target, server, scenario);
        }
    }

    static Stream<Arguments> bindingRuns() {
        List<Arguments> runs = new ArrayList<>();
        for (String host : List.of("127.0.0.1", "::1")) {
            for (String server : SERVERS) {
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

    private static void runAgainst(TurnServerUnderTest target, String server, Scenario scenario) throws Exception {
        String host = scenario.ipv6() ? "::1" : "127.0.0.1";
        List<String> command = new ArrayList<>(List.of("turnutils_uclient", "-p", Integer.toString(target.port)));
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
        assertThat(outcome.label()).as("%s against %s: %s%nserver log tail:%n%s", scenario, server, outcome, target.logTail())
                .isEqualTo(scenario.expected());
    }
}
