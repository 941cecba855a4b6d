package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --max-bps} against coturn's: uclient sends 300 messages of 1,000 bytes 5 ms apart (200,000 bytes per second,
 * ten times the limit of 20,000) through one allocation without RTCP ({@code -c}), to the echoing peer and back. Our
 * relay (on each of its transports) and coturn's {@code turnserver --max-bps 20000} run in the same test, and both must
 * lose a similar large share: the run lasts about 1.5 s, so about a second's worth of burst and 1.5 s at the rate get
 * through each way, some 50 of the 300 messages (coturn, whose meter restarts every second, lost 81-87 % here; ours
 * 83-84 %). The
 * runs go one after the other, not in parallel: uclient's pacing, and so the share that passes, depends on the load.
 */
class BandwidthLimitInteropIT {
    private static final List<String> UCLIENT = List.of("-n", "300", "-l", "1000", "-z", "5", "-c");
    private static final double LEAST_LOSS = 0.65;
    private static final double MOST_LOSS = 0.95;
    /** How far apart our loss and coturn's may be. */
    private static final double SIMILAR = 0.12;

    private static EchoPeer peer;

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (String server : TurnServerUnderTest.servers()) {
            if (!server.equals("coturn")) {
                runs.add(Arguments.of(server, ClientTransport.UDP));
                runs.add(Arguments.of(server, ClientTransport.TCP));
            }
        }
        return runs.stream();
    }

    @BeforeAll
    static void startPeer() throws Exception {
        ExternalProcess.requireTools("coturn", "turnutils_uclient", "turnutils_peer", "turnserver");
        peer = EchoPeer.start();
    }

    @AfterAll
    static void stopPeer() throws IOException {
        if (peer != null) {
            peer.close();
        }
    }

    @ParameterizedTest(name = "{0} and coturn over {1}")
    @MethodSource("runs")
    void oursAndCoturnDropASimilarLargeShareAboveTheLimit(String ours, ClientTransport transport) throws Exception {
        double coturnLoss;
        try (TurnServerUnderTest coturn = TurnServerUnderTest.start("coturn", Setup.BANDWIDTH_LIMITED)) {
            coturnLoss = loss(coturn, transport).loss();
        }
        try (TurnServerUnderTest relay = TurnServerUnderTest.start(ours, Setup.BANDWIDTH_LIMITED)) {
            Run run = loss(relay, transport);
            String description = String.format("%s over %s lost %.1f %%, coturn %.1f %%; %s%nserver log tail:%n%s", ours, transport,
                    100 * run.loss(), 100 * coturnLoss, run.outcome(), relay.logTail());

            System.out.printf("max-bps %d: %s over %s lost %.1f %% in %.1f s, coturn %.1f %%%n", TurnServerUnderTest.MAX_BPS, ours,
                    transport, 100 * run.loss(), run.seconds(), 100 * coturnLoss);
            assertThat(run.loss()).as(description).isBetween(LEAST_LOSS, MOST_LOSS);
            assertThat(coturnLoss).as("coturn: " + description).isBetween(LEAST_LOSS, MOST_LOSS);
            assertThat(Math.abs(run.loss() - coturnLoss)).as(description).isLessThanOrEqualTo(SIMILAR);
            // Our own counters: the drops are the limit's, and what went to the peer is a second's worth plus the rate
            // over the run, give or take one message.
            String label = transport.label();
            assertThat(relay.metric("turnrelay_dropped_packets_total{transport=\"" + label + "\",reason=\"bandwidth_limit\"}"))
                    .as(description).isPositive();
            long toPeer = relay.metric("turnrelay_relayed_bytes_total{transport=\"" + label + "\",direction=\"client_to_peer\",datapath=\"userspace\"}");
            assertThat(toPeer).as(description)
                    .isLessThanOrEqualTo((long) (TurnServerUnderTest.MAX_BPS * (1 + run.seconds())) + 1_000);
        }
    }

    /** What one uclient run came to: the share of messages that did not come back, and how long it took. */
    private record Run(double loss, double seconds, UclientOutcome outcome) {}

    private static Run loss(TurnServerUnderTest target, ClientTransport transport) throws Exception {
        List<String> command = new ArrayList<>(List.of("turnutils_uclient", "-p", Integer.toString(target.port(transport))));
        if (transport == ClientTransport.TCP) {
            command.add("-t");
        }
        command.addAll(List.of("-u", TurnServerUnderTest.USER, "-w", TurnServerUnderTest.PASSWORD, "-e", "127.0.0.1",
                "-r", Integer.toString(peer.port)));
        command.addAll(UCLIENT);
        command.add("127.0.0.1");
        long start = System.nanoTime();
        UclientOutcome outcome = UclientOutcome.of(ExternalProcess.run(command, 60));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(outcome.errorCode()).as("%s: %s", target.kind, outcome).isZero();
        assertThat(outcome.sent()).as("%s: %s", target.kind, outcome).isEqualTo(300);
        return new Run(1 - (double) outcome.received() / outcome.sent(), seconds, outcome);
    }
}
