package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Draining in virtual time: new Allocates are refused, allocations made before keep working until they end, and the
 * server says it has drained once the last one is gone or the deadline deleted the rest.
 */
class DrainTest {
    static final InetSocketAddress ALICE = address("198.51.100.7", 40000);
    static final InetSocketAddress BOB = address("198.51.100.8", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);
    static final InetSocketAddress OTHER_PEER = address("93.184.216.35", 7000);
    static final long NO_DEADLINE = Long.MAX_VALUE;

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, ALICE, "alice", "alice-pw");
    final TestClient bob = new TestClient(h, BOB, "bob", "bob-pw");

    @Test
    void anAllocationMadeBeforeTheDrainRelaysWithoutLossRefreshesAndBindsUntilItIsDeleted() {
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        h.outbox.clear();

        h.server.handleDrain(h.now, NO_DEADLINE);
        h.pump();
        assertThat(h.server.draining()).isTrue();
        assertThat(h.take(TurnCommand.Drained.class)).isEmpty();

        for (int i = 0; i < 100; i++) {
            h.advance(SECOND);
            assertThat(clientSendsOnChannel(0x4000)).as("client to peer, packet %d", i).isEqualTo(RelayAction.FORWARD_TO_PEER);
            assertThat(peerSends(PEER, port)).as("peer to client, packet %d", i).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        }
        assertThat(h.server.stats().packetsClientToPeer()).isEqualTo(100);
        assertThat(h.server.stats().packetsPeerToClient()).isEqualTo(100);
        assertThat(h.server.stats().dropped(DropReason.NO_ALLOCATION)).isZero();

        StunMessage refreshed = alice.refresh(600);
        assertThat(code(refreshed)).isZero();
        assertThat(refreshed.lifetime()).hasValue(600);
        assertThat(code(alice.createPermission(OTHER_PEER))).isZero();
        assertThat(code(alice.channelBind(0x4001, OTHER_PEER))).isZero();
        assertThat(clientSendsOnChannel(0x4001)).isEqualTo(RelayAction.FORWARD_TO_PEER);

        // A newcomer is refused: 508 without alternates. Bob can still ask (Binding), only not allocate.
        StunMessage refused = bob.allocate();
        assertThat(code(refused)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(bob.verifies(refused)).as("signed like any answer to an authenticated request").isTrue();
        assertThat(refused.has(AttributeType.ALTERNATE_SERVER)).isFalse();
        assertThat(h.server.stats().allocations()).isOne();
        assertThat(h.take(TurnCommand.Drained.class)).isEmpty();

        assertThat(code(alice.refresh(0))).isZero();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).singleElement().satisfies(d -> assertThat(d.port()).isEqualTo(port));
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);

        h.advance(3600 * SECOND);
        h.timeout();
        assertThat(h.take(TurnCommand.Drained.class)).as("said once").isEmpty();
        assertThat(code(alice.allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    @Test
    void aServerWithoutAllocationsHasDrainedAtOnce() {
        h.server.handleDrain(h.now, NO_DEADLINE);
        h.pump();
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
        assertThat(h.server.pollTimeout()).as("no deadline left to wake for").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anAllocationThatExpiresEndsTheDrain() {
        alice.allocatePort();
        h.server.handleDrain(h.now, NO_DEADLINE);
        h.pump();
        h.advance(599 * SECOND);
        h.timeout();
        assertThat(h.take(TurnCommand.Drained.class)).isEmpty();
        h.advance(SECOND);
        h.timeout();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).hasSize(1);
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
    }

    @Test
    void atTheDeadlineTheRemainingAllocationsAreDeletedAsAtShutdown() {
        int alicePort = alice.allocatePort();
        int bobPort = bob.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        h.outbox.clear();

        h.server.handleDrain(h.now, h.now + 30 * SECOND);
        h.pump();
        assertThat(h.server.pollTimeout()).isEqualTo(h.now + 30 * SECOND);

        h.advance(30 * SECOND - 1);
        h.timeout();
        assertThat(h.server.stats().allocations()).isEqualTo(2);
        assertThat(code(bob.refresh(600))).as("refreshing does not outlast the deadline, but works until then").isZero();

        h.advance(1);
        h.timeout();
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).extracting(TurnCommand.AllocationDeleted::port)
                .containsExactlyInAnyOrder(alicePort, bobPort);
        assertThat(h.take(TurnCommand.ChannelUnbound.class)).singleElement().satisfies(u -> assertThat(u.port()).isEqualTo(alicePort));
        assertThat(h.take(TurnCommand.CloseRelaySocket.class)).extracting(TurnCommand.CloseRelaySocket::port)
                .containsExactlyInAnyOrder(alicePort, bobPort);
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
        assertThat(h.server.freePorts()).isEqualTo(20);
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().permissions()).isZero();
        assertThat(h.server.stats().channels()).isZero();
    }

    @Test
    void aZeroDeadlineDeletesEverythingAtOnce() {
        alice.allocatePort();
        h.outbox.clear();
        h.server.handleDrain(h.now, h.now);
        h.pump();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).hasSize(1);
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
        assertThat(h.server.stats().allocations()).isZero();
    }

    @Test
    void aSecondDrainCanOnlyBringTheDeadlineForward() {
        alice.allocatePort();
        h.server.handleDrain(h.now, h.now + 60 * SECOND);
        h.server.handleDrain(h.now, h.now + 120 * SECOND);
        assertThat(h.server.pollTimeout()).isEqualTo(h.now + 60 * SECOND);
        h.server.handleDrain(h.now, h.now + 10 * SECOND);
        assertThat(h.server.pollTimeout()).isEqualTo(h.now + 10 * SECOND);
        h.advance(10 * SECOND);
        h.timeout();
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
    }

    @Test
    void aStreamClientsAllocationOutlivesTheDrainStartAndItsConnectionCloseEndsTheDrain() {
        ClientLink link = TestLinks.tcp(ALICE);
        h.connected(link);
        TestClient overTcp = new TestClient(h, link, "alice", "alice-pw");
        overTcp.allocatePort();

        h.server.handleDrain(h.now, NO_DEADLINE);
        h.pump();
        h.advance(120 * SECOND);
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).as("a connection with an allocation stays open").isEmpty();
        assertThat(code(overTcp.refresh(600))).isZero();

        h.closed(link);
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
    }

    @Test
    void anAllocateUnderWayWhenTheDrainStartsIsFinishedAndWaitedFor() {
        h.autoBind = false;
        alice.nonce = alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), false, w -> w.requestedTransport(17))).nonce();
        h.fromClient(ALICE, alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)));
        TurnCommand.BindRelaySocket bind = h.take(TurnCommand.BindRelaySocket.class).get(0);

        h.server.handleDrain(h.now, NO_DEADLINE);
        h.pump();
        assertThat(h.take(TurnCommand.Drained.class)).as("an Allocate is under way").isEmpty();

        h.server.handleRelaySocketBound(bind.port(), bind.family(), h.now);
        h.pump();
        assertThat(h.messagesTo(ALICE)).singleElement().satisfies(response -> assertThat(code(response)).isZero());
        assertThat(h.take(TurnCommand.Drained.class)).isEmpty();
        assertThat(code(alice.refresh(0))).isZero();
        assertThat(h.take(TurnCommand.Drained.class)).hasSize(1);
    }

    private RelayAction clientSendsOnChannel(int channel) {
        byte[] frame = {(byte) (channel >> 8), (byte) channel, 0x00, 0x04, 'd', 'a', 't', 'a'};
        return h.server.handleClientMessage(TestLinks.udp(ALICE), ByteBuffer.wrap(frame), 0, frame.length, h.now);
    }

    private RelayAction peerSends(InetSocketAddress peer, int port) {
        ByteBuffer datagram = ByteBuffer.allocate(16);
        datagram.put(4, new byte[] {'e', 'c', 'h', 'o'});
        return h.server.handlePeerDatagram(datagram, 4, 4, peer, port, h.now);
    }
}
