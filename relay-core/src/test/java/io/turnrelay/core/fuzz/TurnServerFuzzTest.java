package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnrelay.core.turn.ServerProbe;
import io.turnrelay.core.turn.TurnServer;

/**
 * Coverage-guided fuzzing of the whole {@link TurnServer} state machine: the fuzzer picks a sequence of raw and
 * properly signed datagrams from several UDP clients and peers, relay-socket bind outcomes and time steps (see
 * {@link FuzzedServerSession}). No exception may escape, the server's last-resort guard must never trip, and its
 * state must stay bounded by the port range.
 */
class TurnServerFuzzTest {
    private static final int MAX_STEPS = 200;

    @FuzzTest
    void anySequenceOfInputsKeepsTheServerConsistent(FuzzedDataProvider data) {
        FuzzedServerSession session = FuzzedServerSession.overDatagrams(data.consumeLong());
        for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0; step++) {
            session.step(data);
            session.assertInvariants();
        }
        session.drainTime();
        session.assertInvariants();
        assertThat(ServerProbe.guardTrips(session.server())).isZero();
    }
}
