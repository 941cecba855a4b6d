package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.turnrelay.api.Authenticator;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.LongTermCredential;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Bandwidth limits on the relay path, in virtual time: each allocation's own limit (the server's max-bps, or the
 * user's from the authenticator), a token bucket of one second's worth each way; and the server's capacity, shared
 * fairly among the flows that compete for it.
 */
class BandwidthLimitTest {
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);
    static final InetSocketAddress OTHER_PEER = address("8.8.8.8", 53);
    static final InetSocketAddress THIRD_PEER = address("1.1.1.1", 53);

    @Test
    void aFlowAtTwiceTheLimitPassesHalfItsBytesEachWay() {
        TurnHarness h = TurnHarness.with(b -> b.maxBps(10_000));
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 500, 20_000);
        long start = h.now;

        run(h, 100, flow);

        long offered = 100L * 20_000;
        // One second's worth (the full bucket at the start) plus the rate over the 99.975 s from the first datagram to
        // the last, rounded up to a whole datagram at most.
        long earned = 10_000 + (h.now - start) * 10_000 / SECOND;
        for (long passed : new long[] {flow.bytesToPeer, flow.bytesToClient}) {
            assertThat(passed).isBetween(earned, earned + 500);
            assertThat((double) passed / offered).isCloseTo(0.5, within(0.006));
        }
        long droppedEachWay = offered / 500 - flow.bytesToPeer / 500;
        assertThat(h.server.stats().dropped(DropReason.BANDWIDTH_LIMIT, ClientTransport.UDP))
                .isEqualTo(droppedEachWay + (offered / 500 - flow.bytesToClient / 500));
        assertThat(h.server.stats().bytesClientToPeer()).isEqualTo(flow.bytesToPeer);
        assertThat(h.server.stats().bytesPeerToClient()).isEqualTo(flow.bytesToClient);
    }

    @Test
    void aBurstUpToTheBucketSizePassesAndTheNextDatagramWaitsForTokens() {
        TurnHarness h = TurnHarness.with(b -> b.maxBps(10_000));
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 500, 0);

        for (int i = 0; i < 20; i++) {
            assertThat(flow.toPeer()).as("datagram %d of the burst", i).isTrue();
            assertThat(flow.toClient()).as("datagram %d of the burst back", i).isTrue();
        }
        assertThat(flow.toPeer()).as("one past the bucket").isFalse();
        assertThat(flow.toClient()).as("one past the bucket back").isFalse();

        h.advance(SECOND / 20 - 1); // not quite 500 bytes earned: enough for one datagram, which leaves a debt
        assertThat(flow.toPeer()).isTrue();
        assertThat(flow.toPeer()).isFalse();
        h.advance(SECOND); // idle for a second: full again, and no fuller
        for (int i = 0; i < 20; i++) {
            assertThat(flow.toPeer()).isTrue();
        }
        assertThat(flow.toPeer()).isFalse();
        assertThat(h.server.stats().dropped(DropReason.BANDWIDTH_LIMIT)).isEqualTo(4);
    }

    @Test
    void aDatagramLargerThanTheBucketPassesAndItsDebtIsPaidFirst() {
        TurnHarness h = TurnHarness.with(b -> b.maxBps(1_000));
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 1_200, 0);

        assertThat(flow.toPeer()).as("on a full bucket of 1,000 bytes").isTrue();
        h.advance(SECOND / 5); // pays back the 200 bytes of debt: empty, not positive
        assertThat(flow.toPeer()).isFalse();
        h.advance(SECOND / 1000);
        assertThat(flow.toPeer()).isTrue();
    }

    @Test
    void sendAndDataIndicationsCountAgainstTheSameLimits() {
        TurnHarness h = TurnHarness.with(b -> b.maxBps(1_000));
        InetSocketAddress address = address("198.51.100.7", 40000);
        TestClient alice = new TestClient(h, address, "alice", "alice-pw");
        int port = alice.allocatePort();
        assertThat(code(alice.createPermission(PEER))).isZero();
        byte[] send = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(PEER).data(ByteBuffer.wrap(new byte[500]), 0, 500));

        assertThat(h.fromClient(address, send)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(h.fromClient(address, send)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(h.fromClient(address, send)).isEqualTo(RelayAction.DROP);
        ByteBuffer datagram = ByteBuffer.allocate(600);
        assertThat(h.fromPeer(PEER, port, datagram, 0, 600)).isEqualTo(RelayAction.HANDLED);
        assertThat(h.fromPeer(PEER, port, datagram, 0, 600)).isEqualTo(RelayAction.HANDLED);
        assertThat(h.fromPeer(PEER, port, datagram, 0, 600)).isEqualTo(RelayAction.DROP);
        assertThat(h.take(TurnCommand.RelayToClient.class)).hasSize(2);
        assertThat(h.server.stats().dropped(DropReason.BANDWIDTH_LIMIT, ClientTransport.UDP)).isEqualTo(2);
    }

    @Test
    void usersAreLimitedIndependentlyEachByItsOwnLimit() {
        // alice has the server's default, bob a higher limit of his own and carol none: the authenticator says so.
        Authenticator users = (username, realm, unixTime) -> switch (username) {
            case "alice" -> LongTermCredential.ofPassword("alice-pw");
            case "bob" -> LongTermCredential.ofPassword("bob-pw").withMaxBps(40_000);
            case "carol" -> LongTermCredential.ofPassword("carol-pw").withMaxBps(0);
            default -> null;
        };
        TurnHarness h = TurnHarness.with(b -> b.maxBps(10_000).authenticator(users));
        Flow alice = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 500, 20_000);
        Flow bob = new Flow(h, TestLinks.tcp(address("198.51.100.8", 40000)), "bob", "bob-pw", OTHER_PEER, 1_000, 80_000);
        Flow carol = new Flow(h, TestLinks.udp(address("198.51.100.9", 40000)), "carol", "carol-pw", THIRD_PEER, 1_000, 100_000);
        warmUpThenRun(h, 2, 50, alice, bob, carol);

        assertThat((double) alice.bytesToPeer / (50 * 10_000)).isCloseTo(1.0, within(0.01));
        assertThat((double) alice.bytesToClient / (50 * 10_000)).isCloseTo(1.0, within(0.01));
        assertThat((double) bob.bytesToPeer / (50 * 40_000)).isCloseTo(1.0, within(0.01));
        assertThat((double) bob.bytesToClient / (50 * 40_000)).isCloseTo(1.0, within(0.01));
        assertThat(carol.bytesToPeer).isEqualTo(50 * 100_000);
        assertThat(carol.bytesToClient).isEqualTo(50 * 100_000);
        // Drops are counted by the client transport of the allocation, as every client-side counter is.
        TurnStats stats = h.server.stats();
        assertThat(stats.dropped(DropReason.BANDWIDTH_LIMIT, ClientTransport.TCP)).isPositive();
        assertThat(stats.dropped(DropReason.BANDWIDTH_LIMIT, ClientTransport.UDP)).isPositive();
        assertThat(stats.dropped(DropReason.RELAY_CAPACITY)).isZero();
    }

    @Test
    void theCapacityIsSharedEquallyBetweenFlowsThatBothWantMoreThanTheirShare() {
        assertSharedEqually(100_000, 1_000, 5, 60);
    }

    @Test
    void aFlowBelowItsShareGetsAllItAsksAndTheOtherTheRest() {
        assertBelowShareGetsAll(100_000, 1_000, 5, 60);
    }

    @Test
    void shardsEachWithAnEqualShareOfTheCapacityShareItFairlyAmongTheirFlows() {
        // A relay of 100,000 B/s on two shards, as ShardedRelay configures them; the kernel spread four clients evenly.
        java.util.List<TurnHarness> shards = TurnHarness.sharing(2, b -> b.bpsCapacity(50_000));
        InetSocketAddress[] peers = {PEER, OTHER_PEER, THIRD_PEER, address("9.9.9.9", 53)};
        String[] users = {"alice", "bob", "carol", "alice"};
        Flow[][] flowsOfShard = new Flow[2][2];
        for (int i = 0; i < 4; i++) {
            flowsOfShard[i % 2][i / 2] = new Flow(shards.get(i % 2), TestLinks.udp(address("198.51.100.7", 40000 + i)), users[i],
                    users[i] + "-pw", peers[i], 1_000, 40_000 * (i + 1));
        }
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            warmUpThenRun(shards.get(shard), 5, 60, flowsOfShard[shard]);
            for (Flow flow : flowsOfShard[shard]) {
                assertThat((double) flow.bytesToPeer / (60 * 25_000)).as("shard %d", shard).isCloseTo(1.0, within(0.05));
                total += flow.bytesToPeer;
            }
        }
        assertThat(total).isBetween(60 * 99_000L, 60 * 100_000L + 100_000);
    }

    @Test
    void aFlowAloneMayUseTheWholeCapacityAndNoMore() {
        TurnHarness h = TurnHarness.with(b -> b.bpsCapacity(100_000));
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 1_000, 200_000);
        warmUpThenRun(h, 5, 60, flow);

        assertThat((double) flow.bytesToPeer / (60 * 100_000)).isCloseTo(1.0, within(0.01));
        assertThat((double) flow.bytesToClient / (60 * 100_000)).isCloseTo(1.0, within(0.01));
    }

    @Test
    void theOwnLimitAndTheCapacityApplyTogetherWhicheverIsTighter() {
        for (long capacity : new long[] {100_000, 30_000}) {
            TurnHarness h = TurnHarness.with(b -> b.maxBps(20_000).bpsCapacity(capacity));
            Flow alice = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 1_000, 100_000);
            Flow bob = new Flow(h, TestLinks.udp(address("198.51.100.8", 40000)), "bob", "bob-pw", OTHER_PEER, 1_000, 100_000);
            warmUpThenRun(h, 5, 60, alice, bob);

            // Each gets its own 20,000 out of 100,000; out of 30,000 they get half each.
            long each = Math.min(20_000, capacity / 2);
            assertThat((double) alice.bytesToPeer / (60 * each)).as("capacity %d", capacity).isCloseTo(1.0, within(0.05));
            assertThat((double) bob.bytesToPeer / (60 * each)).as("capacity %d", capacity).isCloseTo(1.0, within(0.05));
            TurnStats stats = h.server.stats();
            DropReason reason = capacity == 30_000 ? DropReason.RELAY_CAPACITY : DropReason.BANDWIDTH_LIMIT;
            assertThat(stats.dropped(reason)).as("capacity %d", capacity).isPositive();
            if (capacity == 100_000) {
                assertThat(stats.dropped(DropReason.RELAY_CAPACITY)).as("capacity %d", capacity).isZero();
            }
        }
    }

    // At rates of 100 MB/s a flow sends many datagrams a millisecond, and pays for them in advance (FlowBudget's
    // grants); the limits come out the same.

    @Test
    void aFastFlowAtTwiceTheLimitPassesHalfItsBytesEachWay() {
        long rate = 100_000_000;
        TurnHarness h = TurnHarness.with(b -> b.maxBps(rate));
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 10_000, 2 * rate);
        long start = h.now;

        run(h, 10, flow);

        long earned = rate + (h.now - start) * rate / SECOND;
        for (long passed : new long[] {flow.bytesToPeer, flow.bytesToClient}) {
            assertThat(passed).isBetween(earned - (rate >> 10), earned + 10_000 + (rate >> 10));
        }
    }

    @Test
    void aFastFlowWithinItsLimitAndTheCapacityRelaysEverything() {
        TurnHarness h = TurnHarness.with(b -> b.maxBps(100_000_000).bpsCapacity(1_000_000_000));
        Flow flow = new Flow(h, TestLinks.tcp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 1_000, 90_000_000);

        run(h, 3, flow);

        assertThat(flow.bytesToPeer).isGreaterThanOrEqualTo(3 * 90_000_000).isEqualTo(flow.bytesToClient);
        assertThat(h.server.stats().dropped(DropReason.BANDWIDTH_LIMIT)).isZero();
        assertThat(h.server.stats().dropped(DropReason.RELAY_CAPACITY)).isZero();
    }

    @Test
    void theCapacityIsSharedEquallyBetweenFastFlows() {
        assertSharedEqually(200_000_000, 10_000, 3, 10);
    }

    @Test
    void aFastFlowBelowItsShareGetsAllItAsksAndTheOtherTheRest() {
        assertBelowShareGetsAll(200_000_000, 10_000, 3, 10);
    }

    @Test
    void withoutLimitsEverythingIsRelayed() {
        TurnHarness h = TurnHarness.withDefaults();
        Flow flow = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, 1_000, 10_000_000);

        run(h, 2, flow);

        assertThat(flow.bytesToPeer).isEqualTo(2 * 10_000_000);
        assertThat(flow.bytesToClient).isEqualTo(2 * 10_000_000);
    }

    @Test
    void limitsAreCheckedWhenBuilt() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TurnHarness.with(b -> b.maxBps(-1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBps");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TurnHarness.with(b -> b.bpsCapacity((1L << 33) + 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bpsCapacity");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LongTermCredential.ofPassword("pw").withMaxBps(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBps");
    }

    /**
     * Two flows over a {@code capacity}, one sending twice what the other does, both far over half of it: without fair
     * sharing the heavier would get two thirds; each gets half.
     */
    private static void assertSharedEqually(long capacity, int size, long warmUp, long seconds) {
        TurnHarness h = TurnHarness.with(b -> b.bpsCapacity(capacity));
        Flow heavier = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, size, 4 * capacity);
        Flow heavy = new Flow(h, TestLinks.tls(address("198.51.100.8", 40000)), "bob", "bob-pw", OTHER_PEER, size, 2 * capacity);
        warmUpThenRun(h, warmUp, seconds, heavy, heavier);

        for (Flow flow : new Flow[] {heavy, heavier}) {
            assertThat((double) flow.bytesToPeer / (seconds * capacity / 2)).isCloseTo(1.0, within(0.05));
            assertThat((double) flow.bytesToClient / (seconds * capacity / 2)).isCloseTo(1.0, within(0.05));
        }
        assertThat(heavy.bytesToPeer + heavier.bytesToPeer).isBetween(seconds * capacity * 99 / 100, seconds * capacity + capacity);
        assertThat(h.server.stats().dropped(DropReason.RELAY_CAPACITY, ClientTransport.TLS)).isPositive();
    }

    /** A light flow asking 30 % of a {@code capacity} gets all of it; a heavy one asking three times it gets the rest. */
    private static void assertBelowShareGetsAll(long capacity, int heavySize, long warmUp, long seconds) {
        TurnHarness h = TurnHarness.with(b -> b.bpsCapacity(capacity));
        Flow heavy = new Flow(h, TestLinks.udp(address("198.51.100.7", 40000)), "alice", "alice-pw", PEER, heavySize, 3 * capacity);
        Flow light = new Flow(h, TestLinks.udp(address("198.51.100.8", 40000)), "bob", "bob-pw", OTHER_PEER, 1_000, capacity * 3 / 10);
        warmUpThenRun(h, warmUp, seconds, heavy, light);

        assertThat((double) light.bytesToPeer / (seconds * capacity * 3 / 10)).isGreaterThan(0.99);
        assertThat((double) light.bytesToClient / (seconds * capacity * 3 / 10)).isGreaterThan(0.99);
        // Work-conserving: what the light flow leaves goes to the heavy one.
        assertThat((double) heavy.bytesToPeer / (seconds * capacity * 7 / 10)).isCloseTo(1.0, within(0.03));
        assertThat((double) heavy.bytesToClient / (seconds * capacity * 7 / 10)).isCloseTo(1.0, within(0.03));
    }

    /** Runs the flows for {@code warmUp} seconds (the first bucketfuls), then counts afresh over {@code seconds}. */
    private static void warmUpThenRun(TurnHarness h, long warmUp, long seconds, Flow... flows) {
        run(h, warmUp, flows);
        for (Flow flow : flows) {
            flow.resetCounts();
        }
        run(h, seconds, flows);
    }

    /**
     * Sends each flow's datagrams both ways at its offered rate for {@code seconds} of virtual time from now, in time
     * order; the harness's clock ends at the last datagram sent.
     */
    private static void run(TurnHarness h, long seconds, Flow... flows) {
        long end = h.now + seconds * SECOND;
        for (Flow flow : flows) {
            flow.next = h.now;
        }
        while (true) {
            Flow due = flows[0];
            for (Flow flow : flows) {
                if (flow.next < due.next) {
                    due = flow;
                }
            }
            if (due.next >= end) {
                return;
            }
            h.now = due.next;
            due.toPeer();
            due.toClient();
            due.next += due.interval;
        }
    }

    /** One client's allocation with a channel to its peer, relaying datagrams of one size either way. */
    private static final class Flow {
        final TurnHarness h;
        final ClientLink link;
        final InetSocketAddress peer;
        final int port;
        final int size;
        final byte[] frame;
        final ByteBuffer datagram;
        /** Nanoseconds between datagrams at the offered rate (0 when not run). */
        final long interval;
        long next;
        long bytesToPeer;
        long bytesToClient;

        Flow(TurnHarness h, ClientLink link, String user, String password, InetSocketAddress peer, int size, long offeredBps) {
            this.h = h;
            this.link = link;
            this.peer = peer;
            this.size = size;
            TestClient client = new TestClient(h, link, user, password);
            this.port = client.allocatePort();
            assertThat(code(client.channelBind(0x4000, peer))).isZero();
            this.frame = new byte[4 + size];
            frame[0] = 0x40;
            frame[2] = (byte) (size >> 8);
            frame[3] = (byte) size;
            this.datagram = ByteBuffer.allocate(size);
            this.interval = offeredBps == 0 ? 0 : SECOND * size / offeredBps;
        }

        boolean toPeer() {
            boolean passed = h.fromClient(link, frame) == RelayAction.FORWARD_TO_PEER;
            if (passed) {
                bytesToPeer += size;
            }
            return passed;
        }

        boolean toClient() {
            boolean passed = h.fromPeer(peer, port, datagram, 0, size) == RelayAction.FORWARD_TO_CLIENT;
            if (passed) {
                bytesToClient += size;
            }
            return passed;
        }

        void resetCounts() {
            bytesToPeer = 0;
            bytesToClient = 0;
        }
    }
}
