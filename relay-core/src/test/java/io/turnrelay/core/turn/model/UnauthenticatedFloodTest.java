package io.turnrelay.core.turn.model;

import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnStats;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Requests that never pass MESSAGE-INTEGRITY must not create per-source state: a flood of spoofed
 * Allocates has to leave the server's counters, deadlines and retained heap where they were.
 */
class UnauthenticatedFloodTest {
    private static final int FLOOD = 100_000;
    private static final int WARM_UP = 2_000;
    /** Generous against GC noise, yet far below the 100,000 x (at least ~100 bytes) a per-source entry would cost. */
    private static final long RETAINED_HEAP_MARGIN = 8L * 1024 * 1024;

    private final VirtualClock clock = new VirtualClock();
    private final TurnServer server = new TurnServer(ScenarioRunner.config(clock, 49_152, 65_535), new SplittableRandom(3));
    private final ByteBuffer in = ByteBuffer.allocate(1500);

    @Test
    void spoofedUnauthenticatedAllocatesLeaveTheServerFlat() {
        flood(0, WARM_UP, false);
        Snapshot before = Snapshot.of(server);

        flood(WARM_UP, FLOOD, false);

        Snapshot after = Snapshot.of(server);
        assertThat(after.stateCounters()).isEqualTo(before.stateCounters()).containsOnly(0L);
        assertThat(after.pollTimeout()).isEqualTo(before.pollTimeout());
        assertThat(after.retainedHeap() - before.retainedHeap())
                .as("retained heap growth after %d spoofed Allocates", FLOOD)
                .isLessThan(RETAINED_HEAP_MARGIN);
        assertThat(server.stats().responses(StunMethod.ALLOCATE, ErrorCode.UNAUTHENTICATED)).isEqualTo(WARM_UP + FLOOD);
        Reference.reachabilityFence(server);
    }

    @Test
    void spoofedAllocatesWithBadIntegrityLeaveTheServerFlat() {
        flood(0, WARM_UP, true);
        Snapshot before = Snapshot.of(server);

        flood(WARM_UP, FLOOD / 2, true);

        Snapshot after = Snapshot.of(server);
        assertThat(after.stateCounters()).isEqualTo(before.stateCounters()).containsOnly(0L);
        assertThat(after.pollTimeout()).isEqualTo(before.pollTimeout());
        assertThat(after.retainedHeap() - before.retainedHeap())
                .as("retained heap growth after %d spoofed sources with a wrong password", FLOOD / 2)
                .isLessThan(RETAINED_HEAP_MARGIN);
        Reference.reachabilityFence(server);
    }

    /**
     * Sources {@code first .. first + count - 1} each send an unauthenticated Allocate; with
     * {@code thenWrongPassword}, each follows the 401 with an Allocate signed under a wrong password.
     */
    private void flood(int first, int count, boolean thenWrongPassword) {
        for (int i = first; i < first + count; i++) {
            InetSocketAddress source = spoofedSource(i);
            StunMessage challenge = allocate(source, i, null, null);
            assertThat(challenge.nonce()).isNotNull();
            if (thenWrongPassword) {
                StunMessage refusal = allocate(source, i, challenge.realm(), challenge.nonce());
                assertThat(refusal.nonce()).as("a 401 carries a fresh NONCE").isNotNull();
            }
        }
    }

    private StunMessage allocate(InetSocketAddress source, int sequence, String realm, String nonce) {
        byte[] id = new byte[TransactionId.LENGTH];
        ByteBuffer.wrap(id).putInt(4, sequence).putInt(8, realm == null ? 1 : 2);
        in.clear();
        StunMessageWriter writer = StunMessageWriter.start(in, StunClass.REQUEST, StunMethod.ALLOCATE, TransactionId.of(id))
                .requestedTransport(TurnTestClient.UDP);
        int length = realm == null
                ? writer.finish()
                : writer.username("alice").realm(realm).nonce(nonce).messageIntegrity(wrongKey(realm)).finish();
        RelayAction action = server.handleClientMessage(TestLinks.udp(source), in, 0, length, clock.nanos());
        assertThat(action).isEqualTo(RelayAction.HANDLED);
        TurnCommand command = server.pollCommand();
        if (realm != null) {
            // Signed with a wrong key: a failed authentication for the application to hear of, which holds no state.
            assertThat(command).isInstanceOf(TurnCommand.AuthenticationFailed.class);
            command = server.pollCommand();
        }
        assertThat(command).isInstanceOf(TurnCommand.SendToClient.class);
        assertThat(server.pollCommand()).as("nothing but the answer").isNull();
        TurnCommand.SendToClient answer = (TurnCommand.SendToClient) command;
        assertThat(answer.client().remote()).isEqualTo(source);
        StunMessage response = TurnTestClient.parse(answer.message());
        assertThat(response.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(response.errorCode().code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        return response;
    }

    private static byte[] wrongKey(String realm) {
        try {
            return MessageDigest.getInstance("MD5").digest(("alice:" + realm + ":not-the-password").getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 100,000 distinct 5-tuples: addresses 11.x.y.z (public-looking) with varying ports. */
    private static InetSocketAddress spoofedSource(int i) {
        try {
            InetAddress address = InetAddress.getByAddress(new byte[] {11, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            return new InetSocketAddress(address, 1024 + i % 60_000);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Snapshot(List<Long> stateCounters, long pollTimeout, long retainedHeap) {
        static Snapshot of(TurnServer server) {
            TurnStats stats = server.stats();
            return new Snapshot(List.of(stats.allocations(), stats.permissions(), stats.channels()),
                    server.pollTimeout(), measureRetainedHeap());
        }

        private static long measureRetainedHeap() {
            // Several full collections: the first may only queue finalizable or soft-referenced garbage.
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
