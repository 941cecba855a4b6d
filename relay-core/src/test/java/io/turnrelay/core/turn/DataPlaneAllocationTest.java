package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.RelayConfig;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** ChannelData relaying in both directions allocates nothing per packet, with bandwidth limits or without. */
class DataPlaneAllocationTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);
    static final int PACKETS = 10_000;

    @Test
    void relayingChannelDataAllocatesNothing() {
        measure(PEER, address("93.184.216.34", 7000), false);
    }

    @Test
    void relayingChannelDataToAnIpv6PeerAllocatesNothing() {
        measure(address("2606:4700:4700::1111", 443), address("2606:4700:4700::1111", 443), true);
    }

    @Test
    void relayingChannelDataUnderBandwidthLimitsAllocatesNothing() {
        // Limits high enough that every datagram passes: every one is checked against and taken from the buckets.
        measure(TurnHarness.with(b -> b.maxBps(RelayConfig.MAX_BPS).bpsCapacity(RelayConfig.MAX_BPS)), PEER, PEER, false);
    }

    private void measure(InetSocketAddress boundPeer, InetSocketAddress peer, boolean dual) {
        measure(TurnHarness.withDefaults(), boundPeer, peer, dual);
    }

    private void measure(TurnHarness h, InetSocketAddress boundPeer, InetSocketAddress peer, boolean dual) {
        TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
        int port = dual
                ? alice.allocate(w -> w.additionalAddressFamily(io.turnrelay.core.stun.AddressFamily.IPV6)).xorRelayedAddresses().get(0).getPort()
                : alice.allocatePort();
        assertThat(TestClient.code(alice.channelBind(0x4000, boundPeer))).isZero();
        // A few other allocations and channels so the lookups are not trivially the only entry.
        for (int i = 1; i < 5; i++) {
            TestClient other = new TestClient(h, address("198.51.100.8", i), "bob", "bob-pw");
            other.allocatePort();
            other.channelBind(0x4000 + i, address("93.184.216." + i, 9));
        }
        TurnServer server = h.server;
        ByteBuffer fromClient = ByteBuffer.allocateDirect(1500);
        fromClient.putInt(0, 0x4000_0064); // channel 0x4000, 100 bytes
        ByteBuffer fromPeer = ByteBuffer.allocateDirect(1500);
        // Other objects than the ones the server stored, as a transport would pass in.
        ClientLink client = TestLinks.udp(address("198.51.100.7", 40000));
        long now = h.now;

        long checksum = relay(server, fromClient, fromPeer, client, peer, port, now); // warm-up, JIT
        checksum += relay(server, fromClient, fromPeer, client, peer, port, now);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        // Steady state is what counts: on a busy machine the JIT's optimised code (escape analysis) can come later
        // than two warm-up rounds, so measure again, a bounded number of rounds, until a round is compiled code.
        long allocated = Long.MAX_VALUE;
        int rounds = 2;
        while (allocated >= 4096 && rounds < 20) {
            long before = threads.getThreadAllocatedBytes(thread);
            checksum += relay(server, fromClient, fromPeer, client, peer, port, now);
            allocated = threads.getThreadAllocatedBytes(thread) - before;
            rounds++;
        }

        assertThat(checksum).isEqualTo((long) rounds * PACKETS * 2);
        assertThat(allocated).as("bytes allocated for %d packets each way", PACKETS).isLessThan(4096);
        assertThat(server.stats().packetsClientToPeer()).isEqualTo((long) rounds * PACKETS);
        assertThat(server.stats().bytesPeerToClient()).isEqualTo((long) rounds * PACKETS * 200);
    }

    private static long relay(TurnServer server, ByteBuffer fromClient, ByteBuffer fromPeer, ClientLink client,
            InetSocketAddress peer, int port, long now) {
        long forwarded = 0;
        for (int i = 0; i < PACKETS; i++) {
            if (server.handleClientMessage(client, fromClient, 0, 104, now + i) == RelayAction.FORWARD_TO_PEER) {
                forwarded++;
            }
            if (server.handlePeerDatagram(fromPeer, 4, 200, peer, port, now + i) == RelayAction.FORWARD_TO_CLIENT) {
                forwarded++;
            }
        }
        return forwarded;
    }
}
