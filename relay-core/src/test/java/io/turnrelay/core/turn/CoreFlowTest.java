package io.turnrelay.core.turn;

import java.time.Duration;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The main path: Binding, authenticated Allocate, permissions, channels, relaying both ways, expiry. */
class CoreFlowTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    @Test
    void bindingAnswersWithTheSendersAddressUnsigned() {
        StunMessage response = alice.send(alice.encode(StunMethod.BINDING, alice.newTransactionId(), false, w -> {}));

        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.method()).isEqualTo(StunMethod.BINDING);
        assertThat(response.xorMappedAddress()).isEqualTo(CLIENT);
        assertThat(response.software()).isEqualTo("turnrelay-test");
        assertThat(response.hasMessageIntegrity()).isFalse();
        assertThat(response.hasFingerprint()).isFalse();
        assertThat(h.server.stats().responses(StunMethod.BINDING, 0)).isEqualTo(1);
    }

    @Test
    void firstAllocateIsChallengedThenSucceedsSigned() {
        StunMessage challenge = alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(code(challenge)).isEqualTo(401);
        assertThat(challenge.realm()).isEqualTo(TurnHarness.REALM);
        assertThat(challenge.nonce()).startsWith("obMatJos2");
        assertThat(challenge.passwordAlgorithms()).extracting(e -> e.algorithm()).containsExactly(1, 2);
        assertThat(challenge.hasMessageIntegrity()).isFalse();
        assertThat(h.server.stats().allocations()).isZero();

        alice.nonce = challenge.nonce();
        StunMessage response = alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)));

        assertThat(code(response)).isEqualTo(0);
        assertThat(alice.verifies(response)).isTrue();
        List<InetSocketAddress> relayed = response.xorRelayedAddresses();
        assertThat(relayed).hasSize(1);
        assertThat(relayed.get(0).getAddress()).isEqualTo(TurnHarness.PUBLIC_IPV4);
        assertThat(relayed.get(0).getPort()).isBetween(50000, 50019);
        assertThat(response.xorMappedAddress()).isEqualTo(CLIENT);
        assertThat(response.lifetime().getAsLong()).isEqualTo(600);
        assertThat(response.software()).isEqualTo("turnrelay-test");
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        assertThat(h.take(TurnCommand.AllocationCreated.class)).singleElement().satisfies(c -> {
            assertThat(c.client()).isEqualTo(TestLinks.udp(CLIENT));
            assertThat(c.username()).isEqualTo("alice");
            assertThat(c.port()).isEqualTo(relayed.get(0).getPort());
            assertThat(c.expiresAtNanos()).isEqualTo(h.now + 600 * SECOND);
        });
        assertThat(h.bindRequests).singleElement().satisfies(b -> assertThat(b.port()).isEqualTo(relayed.get(0).getPort()));
    }

    @Test
    void channelDataRelaysBothWaysWithExactBytes() {
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4001, PEER))).isEqualTo(0);
        assertThat(h.take(TurnCommand.ChannelBound.class)).singleElement()
                .isEqualTo(new TurnCommand.ChannelBound(TestLinks.udp(CLIENT), 0x4001, PEER, port, false));

        byte[] frame = {0x40, 0x01, 0x00, 0x03, 'a', 'b', 'c', 0};
        ByteBuffer buffer = ByteBuffer.wrap(frame);
        RelayAction toPeer = h.server.handleClientMessage(TestLinks.udp(CLIENT), buffer, 0, frame.length, h.now);
        assertThat(toPeer).isEqualTo(RelayAction.FORWARD_TO_PEER);
        Forwarding f = h.server.forwarding();
        assertThat(f.relayPort()).isEqualTo(port);
        assertThat(f.peer()).isEqualTo(PEER);
        assertThat(f.payloadOffset()).isEqualTo(4);
        assertThat(f.payloadLength()).isEqualTo(3);

        ByteBuffer fromPeer = ByteBuffer.allocate(16);
        fromPeer.put(4, new byte[] {'x', 'y', 'z', 'w', 'v'});
        RelayAction toClient = h.server.handlePeerDatagram(fromPeer, 4, 5, address("93.184.216.34", 7000), port, h.now);
        assertThat(toClient).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        assertThat(f.client()).isEqualTo(TestLinks.udp(CLIENT));
        assertThat(f.channelNumber()).isEqualTo(0x4001);
        assertThat(f.payloadOffset()).isEqualTo(4);
        assertThat(f.payloadLength()).isEqualTo(5);
        ChannelData.writeHeader(fromPeer, f.payloadOffset() - 4, f.channelNumber(), f.payloadLength());
        byte[] wire = new byte[9];
        fromPeer.get(0, wire);
        assertThat(wire).containsExactly(0x40, 0x01, 0x00, 0x05, 'x', 'y', 'z', 'w', 'v');

        TurnStats stats = h.server.stats();
        assertThat(stats.packetsClientToPeer()).isEqualTo(1);
        assertThat(stats.bytesClientToPeer()).isEqualTo(3);
        assertThat(stats.packetsPeerToClient()).isEqualTo(1);
        assertThat(stats.bytesPeerToClient()).isEqualTo(5);
        assertThat(stats.channels()).isEqualTo(1);
        assertThat(stats.permissions()).isEqualTo(1);
    }

    @Test
    void sendIndicationGoesToThePeerZeroCopyOnlyWithAPermission() {
        int port = alice.allocatePort();
        byte[] send = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(PEER).data(new byte[] {1, 2, 3, 4, 5}, 0, 5).dontFragment());

        assertThat(h.fromClient(CLIENT, send)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.NO_PERMISSION)).isEqualTo(1);

        assertThat(code(alice.createPermission(PEER))).isEqualTo(0);
        ByteBuffer buffer = ByteBuffer.allocate(send.length + 10);
        buffer.put(10, send);
        RelayAction action = h.server.handleClientMessage(TestLinks.udp(CLIENT), buffer, 10, send.length, h.now);

        assertThat(action).isEqualTo(RelayAction.FORWARD_TO_PEER);
        Forwarding f = h.server.forwarding();
        assertThat(f.relayPort()).isEqualTo(port);
        assertThat(f.peer()).isEqualTo(PEER);
        byte[] payload = new byte[f.payloadLength()];
        buffer.get(f.payloadOffset(), payload);
        assertThat(payload).containsExactly(1, 2, 3, 4, 5);
        assertThat(h.server.stats().bytesClientToPeer()).isEqualTo(5);
    }

    @Test
    void peerDatagramWithOnlyAPermissionBecomesADataIndication() {
        int port = alice.allocatePort();
        alice.createPermission(address("93.184.216.34", 1));
        ByteBuffer datagram = ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 9, 8, 7});

        assertThat(h.fromPeer(PEER, port, datagram, 4, 3)).isEqualTo(RelayAction.HANDLED);

        List<StunMessage> messages = h.messagesTo(CLIENT);
        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.messageClass()).isEqualTo(StunClass.INDICATION);
            assertThat(m.method()).isEqualTo(StunMethod.DATA);
            assertThat(m.xorPeerAddresses()).containsExactly(PEER);
            byte[] data = new byte[m.dataLength()];
            m.buffer().get(m.dataOffset(), data);
            assertThat(data).containsExactly(9, 8, 7);
        });
        assertThat(h.fromPeer(address("8.8.8.8", 7000), port, datagram, 4, 3)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.NO_PERMISSION)).isEqualTo(1);
        assertThat(h.fromPeer(PEER, 50000 + ((port - 50000 + 1) % 20), datagram, 4, 3)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.NO_ALLOCATION)).isEqualTo(1);
    }

    @Test
    void refreshZeroDeletesAndCascades() {
        int port = alice.allocatePort();
        alice.channelBind(0x4000, PEER);
        alice.createPermission(address("8.8.8.8", 1));
        h.outbox.clear();

        StunMessage response = alice.refresh(0);

        assertThat(code(response)).isEqualTo(0);
        assertThat(response.lifetime().getAsLong()).isZero();
        assertThat(h.outbox).containsSubsequence(
                new TurnCommand.ChannelUnbound(TestLinks.udp(CLIENT), 0x4000, PEER, port),
                new TurnCommand.CloseRelaySocket(port, io.turnrelay.core.stun.AddressFamily.IPV4),
                TurnHarness.deletedIdle(TestLinks.udp(CLIENT), port, "alice", DeleteReason.CLIENT_DELETE, Duration.ZERO,
                        io.turnrelay.core.stun.AddressFamily.IPV4));
        TurnStats stats = h.server.stats();
        assertThat(stats.allocations()).isZero();
        assertThat(stats.permissions()).isZero();
        assertThat(stats.channels()).isZero();
        byte[] frame = {0x40, 0x00, 0x00, 0x01, 'a', 0, 0, 0};
        assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.DROP);
        assertThat(stats.dropped(DropReason.NO_ALLOCATION)).isEqualTo(1);
        assertThat(code(alice.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
        // The port is free again: the same client can allocate anew.
        assertThat(code(alice.allocate())).isEqualTo(0);
    }

    @Test
    void allocationExpiresExactlyAtItsDeadlineAndNotOneNanosecondBefore() {
        alice.allocatePort();
        long deadline = h.now + 600 * SECOND;
        assertThat(h.server.pollTimeout()).isEqualTo(deadline);

        h.now = deadline - 1;
        h.timeout();
        assertThat(h.server.stats().allocations()).isEqualTo(1);

        h.now = deadline;
        h.timeout();
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).hasSize(1);
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.scheduledDeadlines()).isZero();
    }

    @Test
    void refreshReplacesTheExpiry() {
        alice.allocatePort();
        h.advance(100 * SECOND);
        StunMessage response = alice.refresh(60);
        assertThat(code(response)).isEqualTo(0);
        assertThat(response.lifetime().getAsLong()).isEqualTo(60);
        long deadline = h.now + 60 * SECOND;
        assertThat(h.server.pollTimeout()).isEqualTo(deadline);

        h.now = deadline - 1;
        h.timeout();
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        h.now = deadline;
        h.timeout();
        assertThat(h.server.stats().allocations()).isZero();
    }

    @Test
    void refreshToALaterExpiryKeepsTheAllocationPastTheOldDeadline() {
        alice.allocatePort();
        long oldDeadline = h.now + 600 * SECOND;
        alice.refresh(3600);
        h.now = oldDeadline;
        h.timeout();
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        assertThat(h.server.pollTimeout()).isEqualTo(TurnHarness.START + 3600 * SECOND);
    }

    @Test
    void responsesAreCountedByMethodAndCode() {
        alice.allocatePort();
        TurnStats stats = h.server.stats();
        assertThat(stats.responses(StunMethod.ALLOCATE, 401)).isEqualTo(1);
        assertThat(stats.responses(StunMethod.ALLOCATE, 0)).isEqualTo(1);
        java.util.Map<String, Long> seen = new java.util.HashMap<>();
        stats.forEachResponseCounter((transport, method, code, count) -> seen.put(transport.label() + " " + method + "/" + code, count));
        assertThat(seen).containsOnly(java.util.Map.entry("udp 3/401", 1L), java.util.Map.entry("udp 3/0", 1L));
    }

    @Test
    void fingerprintIsEchoedWhenTheRequestHadOne() {
        alice.fingerprint = true;
        StunMessage response = alice.allocate();
        assertThat(code(response)).isEqualTo(0);
        assertThat(response.hasFingerprint()).isTrue();
        assertThat(response.verifyFingerprint()).isTrue();
        assertThat(alice.verifies(response)).isTrue();
        assertThat(response.has(AttributeType.SOFTWARE)).isTrue();
    }
}
