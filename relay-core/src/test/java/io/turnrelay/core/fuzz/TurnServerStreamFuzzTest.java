package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnrelay.core.turn.ServerProbe;
import io.turnrelay.core.turn.TurnServer;

/**
 * Coverage-guided fuzzing of the whole {@link TurnServer} fed stream input: five TCP and TLS connections and two UDP
 * clients on one server, each connection's bytes a fuzzed stream of properly signed requests, Send indications,
 * padded ChannelData and garbage that arrives in fuzzer-chosen chunks and is framed by {@code StreamFraming} as a
 * transport would; connections open and close at fuzzer-chosen moments, an INVALID stream and a CloseClient close
 * theirs; peer datagrams, bind outcomes and time steps (late timers too) mix in (see
 * {@link FuzzedServerSession#overStreams}). No exception may escape, the last-resort guard must never trip,
 * responses and relayed data go only to the open connection they belong to, nothing names a connection after it
 * closed, and once every connection is closed and all time has passed nothing is held.
 *
 * <p>Input layout (FuzzedDataProvider): integers from the back (one with fewer than 256 values is one byte, modulo their count),
 * byte arrays (payloads, transaction ids) from the front. First an 8-byte seed and a one-allocation-per-username
 * flag, then per step an operation 0-11 (see {@code FuzzedServerSession.streamStep}) and its fields. The hand-made
 * inputs are named after what they do.
 */
class TurnServerStreamFuzzTest {
    private static final int MAX_STEPS = 300;

    @FuzzTest
    void anyStreamsOnAnyConnectionsKeepTheServerConsistent(FuzzedDataProvider data) {
        FuzzedServerSession session = FuzzedServerSession.overStreams(data.consumeLong(), data.consumeBoolean());
        for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0; step++) {
            session.step(data);
            session.assertInvariants();
        }
        session.drainTime();
        session.assertInvariants();
        assertThat(ServerProbe.guardTrips(session.server())).isZero();
    }
}
