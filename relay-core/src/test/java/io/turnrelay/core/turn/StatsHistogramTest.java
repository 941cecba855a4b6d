package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.CoreFlowTest.CLIENT;
import static io.turnrelay.core.turn.CoreFlowTest.PEER;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.Histogram;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The histograms of {@link TurnStats}: relayed datagram sizes per direction, allocation lifetimes observed at the end. */
class StatsHistogramTest {
    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    @Test
    void relayedDatagramsLandInTheBucketOfTheirSizeEachDirectionApart() {
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        int[] toPeer = {1, 64, 64, 65, 128, 1200, 1201, 1500, 1500, 1500, 16384, 16385, 65535};
        for (int size : toPeer) {
            byte[] frame = new byte[4 + size];
            ByteBuffer.wrap(frame).putShort(0, (short) 0x4000).putShort(2, (short) size);
            assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        }
        int[] toClient = {100, 100, 100, 1000, 4000};
        for (int size : toClient) {
            assertThat(h.fromPeer(PEER, port, ByteBuffer.allocate(size), 0, size)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        }

        Histogram sent = h.server.stats().datagramSizesClientToPeer(ClientTransport.UDP);
        // Buckets: <=64, <=128, <=256, <=512, <=1024, <=1200, <=1500, <=4096, <=16384, above.
        assertThat(counts(sent)).containsExactly(3, 2, 0, 0, 0, 1, 4, 0, 1, 2);
        assertThat(sent.upperBound(0)).isEqualTo(64);
        assertThat(sent.upperBound(sent.buckets() - 1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(sent.count()).isEqualTo(toPeer.length);
        assertThat(sent.sum()).isEqualTo(sum(toPeer));
        Histogram received = h.server.stats().datagramSizesPeerToClient(ClientTransport.UDP);
        assertThat(counts(received)).containsExactly(0, 3, 0, 0, 1, 0, 0, 1, 0, 0);
        assertThat(received.sum()).isEqualTo(sum(toClient));
        assertThat(h.server.stats().datagramSizesClientToPeer(ClientTransport.TCP).count()).isZero();
    }

    @Test
    void droppedDatagramsAreNotObserved() {
        int port = alice.allocatePort();
        byte[] frame = new byte[4 + 100];
        ByteBuffer.wrap(frame).putShort(0, (short) 0x4000).putShort(2, (short) 100);
        assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.DROP); // no channel yet
        assertThat(h.fromPeer(PEER, port, ByteBuffer.allocate(100), 0, 100)).isEqualTo(RelayAction.DROP); // no permission

        assertThat(h.server.stats().datagramSizesClientToPeer(ClientTransport.UDP).count()).isZero();
        assertThat(h.server.stats().datagramSizesPeerToClient(ClientTransport.UDP).count()).isZero();
    }

    @Test
    void anAllocationsLifetimeIsObservedWhenItEndsByRefreshOrExpiry() {
        alice.allocatePort();
        assertThat(h.server.stats().allocationDurations(ClientTransport.UDP).count()).as("still live").isZero();
        h.advance(42 * SECOND);
        assertThat(code(alice.refresh(0))).isZero();

        TestClient bob = new TestClient(h, address("198.51.100.8", 40000), "bob", "bob-pw");
        bob.allocatePort(); // the default lifetime, 600 s, never refreshed
        h.advance(601 * SECOND);
        h.timeout();

        Histogram lifetimes = h.server.stats().allocationDurations(ClientTransport.UDP);
        // Buckets in seconds: <=1, <=5, <=30, <=60, <=300, <=900, <=1800, ..., above 86400.
        assertThat(lifetimes.upperBound(3)).isEqualTo(60);
        assertThat(lifetimes.countIn(3)).as("42 s").isEqualTo(1);
        assertThat(lifetimes.upperBound(5)).isEqualTo(900);
        assertThat(lifetimes.countIn(5)).as("601 s").isEqualTo(1);
        assertThat(lifetimes.count()).isEqualTo(2);
        assertThat(lifetimes.sum()).isEqualTo(643.0);
    }

    @Test
    void aStreamClientsAllocationEndsWithItsConnectionAndCountsForItsTransport() {
        ClientLink tls = TestLinks.tls(CLIENT);
        h.connected(tls);
        TestClient overTls = new TestClient(h, tls, "alice", "alice-pw");
        overTls.allocatePort();
        h.advance(3 * SECOND / 2);
        h.closed(tls);

        Histogram lifetimes = h.server.stats().allocationDurations(ClientTransport.TLS);
        assertThat(lifetimes.countIn(1)).as("1.5 s is in (1, 5]").isEqualTo(1);
        assertThat(lifetimes.count()).isEqualTo(1);
        assertThat(lifetimes.sum()).isEqualTo(1.5);
        assertThat(h.server.stats().allocationDurations(ClientTransport.UDP).count()).isZero();
    }

    private static long[] counts(Histogram histogram) {
        long[] counts = new long[histogram.buckets()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = histogram.countIn(i);
        }
        return counts;
    }

    private static long sum(int[] sizes) {
        long sum = 0;
        for (int size : sizes) {
            sum += size;
        }
        return sum;
    }
}
