package io.turnrelay.core.fuzz;

import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.ServerProbe;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 100,000 unauthenticated Allocates, each from a different spoofed source: the server must answer each with a
 * stateless challenge and keep nothing, so its retained heap stays flat and it holds no objects afterwards.
 */
class UnauthenticatedFloodTest {
    private static final int FLOOD = 100_000;
    /** Far below what 100,000 retained entries of even 64 bytes would take (6 MB); leaves room for GC noise. */
    private static final long MAX_RETAINED_GROWTH = 2L * 1024 * 1024;

    @Test
    void spoofedAllocateFloodLeavesRetainedHeapFlat() throws Exception {
        TurnServer server = new TurnServer(TurnServerConfig.builder()
                .realm("example.org")
                .publicIpv4(InetAddress.getLoopbackAddress())
                .portRange(50000, 50099)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw")))
                .peerPolicy(PeerAddressPolicy.defaults())
                .unixClock(() -> 1_700_000_000L)
                .build(), new SplittableRandom(3));
        byte[] request = new byte[64];
        ByteBuffer out = ByteBuffer.wrap(request);
        long now = 1_000_000_000L;

        flood(server, out, 0, 10_000, now); // warm-up: JIT, lazily built tables, nonce secret
        long before = retainedHeap();
        long challenges = flood(server, out, 10_000, FLOOD, now + 1);
        long after = retainedHeap();

        assertThat(challenges).isEqualTo(FLOOD);
        assertThat(ServerProbe.heldObjects(server)).isZero();
        assertThat(server.stats().allocations()).isZero();
        assertThat(after - before).as("retained heap growth in bytes").isLessThan(MAX_RETAINED_GROWTH);
    }

    private static long flood(TurnServer server, ByteBuffer out, int first, int count, long now) throws UnknownHostException {
        long challenges = 0;
        byte[] id = new byte[TransactionId.LENGTH];
        byte[] ip = {10, 0, 0, 0};
        for (int i = first; i < first + count; i++) {
            ip[1] = (byte) (i >>> 16);
            ip[2] = (byte) (i >>> 8);
            ip[3] = (byte) i;
            id[0] = (byte) (i >>> 24);
            id[1] = (byte) (i >>> 16);
            id[2] = (byte) (i >>> 8);
            id[3] = (byte) i;
            InetSocketAddress source = new InetSocketAddress(InetAddress.getByAddress(ip), 1024 + (i % 60_000));
            out.clear();
            int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TransactionId.of(id))
                    .requestedTransport(17).finish();
            server.handleClientMessage(TestLinks.udp(source), out, 0, length, now);
            TurnCommand command;
            while ((command = server.pollCommand()) != null) {
                assertThat(command).isInstanceOf(TurnCommand.SendToClient.class);
                challenges++;
            }
        }
        return challenges;
    }

    private static long retainedHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        // Several full collections; the least reading is the closest to what is really retained.
        for (int i = 0; i < 4; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
