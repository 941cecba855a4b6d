package io.turnrelay.core.turn;

import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What the server does with input it cannot use: 400, 420, or a counted drop; never an exception. */
class MalformedInputTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    private long dropped(DropReason reason) {
        return h.server.stats().dropped(reason);
    }

    @Test
    void nonTurnBytesAreDroppedAsNotTurn() {
        assertThat(h.fromClient(CLIENT, new byte[0])).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, new byte[] {(byte) 0x80, 1, 2, 3})).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, new byte[] {0x50, 0, 0, 0})).isEqualTo(RelayAction.DROP); // 0x5000 outside RFC 8656
        assertThat(dropped(DropReason.NOT_TURN)).isEqualTo(3);
        assertThat(h.outbox).isEmpty();
    }

    @Test
    void truncatedChannelDataIsDroppedAsMalformed() {
        alice.allocatePort();
        alice.channelBind(0x4000, PEER);
        assertThat(h.fromClient(CLIENT, new byte[] {0x40, 0x00, 0x00, 0x10, 1, 2})).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.MALFORMED_CHANNEL_DATA)).isEqualTo(1);
    }

    @Test
    void channelDataWithoutAllocationOrChannel() {
        byte[] frame = {0x40, 0x00, 0x00, 0x01, 7, 0, 0, 0};
        assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.NO_ALLOCATION)).isEqualTo(1);
        alice.allocatePort();
        assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.NO_CHANNEL)).isEqualTo(1);
    }

    @Test
    void malformedRequestWithAReadableHeaderIs400() {
        byte[] request = alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), false, w -> w.requestedTransport(17));
        byte[] broken = Arrays.copyOf(request, request.length);
        broken[3] = (byte) (broken[3] + 4); // header length now runs past the datagram
        StunMessage response = alice.send(broken);
        assertThat(response.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(response.method()).isEqualTo(StunMethod.ALLOCATE);
        assertThat(code(response)).isEqualTo(400);
        assertThat(Arrays.copyOfRange(TurnHarnessBytes.transactionId(response), 0, 12))
                .containsExactly(Arrays.copyOfRange(request, 8, 20));
    }

    @Test
    void malformedNonRequestIsDroppedAsMalformed() {
        byte[] indication = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(PEER));
        indication[3] = (byte) (indication[3] + 4);
        assertThat(h.fromClient(CLIENT, indication)).isEqualTo(RelayAction.DROP);
        byte[] noCookie = alice.encode(StunMethod.BINDING, alice.newTransactionId(), false, w -> {});
        noCookie[4] = 0;
        assertThat(h.fromClient(CLIENT, noCookie)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.MALFORMED_STUN)).isEqualTo(2);
        assertThat(h.outbox).isEmpty();
    }

    @Test
    void badFingerprintIsDropped() {
        alice.fingerprint = true;
        byte[] binding = alice.encode(StunMethod.BINDING, alice.newTransactionId(), false, w -> {});
        binding[binding.length - 1] ^= 1;
        assertThat(h.fromClient(CLIENT, binding)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.MALFORMED_STUN)).isEqualTo(1);
    }

    @Test
    void unknownMethodIs400() {
        StunMessage response = alice.send(alice.encode(0x00B, alice.newTransactionId(), false, w -> {}));
        assertThat(code(response)).isEqualTo(400);
        assertThat(response.method()).isEqualTo(0x00B);
        assertThat(h.server.stats().responses(0x00B, 400)).isEqualTo(1);
    }

    @Test
    void unknownComprehensionRequiredAttributeIs420() {
        StunMessage binding = alice.send(alice.encode(StunMethod.BINDING, alice.newTransactionId(), false,
                w -> w.rawAttribute(0x7777, new byte[] {1, 2, 3, 4})));
        assertThat(code(binding)).isEqualTo(420);
        assertThat(binding.unknownAttributes()).containsExactly(0x7777);

        StunMessage allocate = alice.allocate(w -> w.rawAttribute(0x7777, new byte[4]).rawAttribute(0x7FF0, new byte[0]));
        assertThat(code(allocate)).isEqualTo(420);
        assertThat(allocate.unknownAttributes()).containsExactly(0x7777, 0x7FF0);
        assertThat(alice.verifies(allocate)).isTrue();

        // Unknown comprehension-optional attributes are ignored.
        assertThat(code(alice.allocate(w -> w.rawAttribute(0xC001, new byte[4])))).isZero();
    }

    @Test
    void responsesAndIndicationsOtherThanSendAreDropped() {
        byte[] response = alice.encodeAs(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, alice.newTransactionId(), false, w -> {});
        byte[] bindingIndication = alice.encodeAs(StunClass.INDICATION, StunMethod.BINDING, alice.newTransactionId(), false, w -> {});
        byte[] dataIndication = alice.encodeAs(StunClass.INDICATION, StunMethod.DATA, alice.newTransactionId(), false, w -> {});
        assertThat(h.fromClient(CLIENT, response)).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, bindingIndication)).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, dataIndication)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.UNEXPECTED_MESSAGE)).isEqualTo(3);
        assertThat(h.outbox).isEmpty();
    }

    @Test
    void malformedSendIndications() {
        byte[] noAllocation = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(PEER).data(new byte[] {1}, 0, 1));
        assertThat(h.fromClient(CLIENT, noAllocation)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.NO_ALLOCATION)).isEqualTo(1);

        alice.allocatePort();
        alice.createPermission(PEER);
        byte[] noData = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false, w -> w.xorPeerAddress(PEER));
        byte[] noPeer = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false, w -> w.data(new byte[] {1}, 0, 1));
        byte[] wrongFamily = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(address("2606:4700:4700::1111", 1)).data(new byte[] {1}, 0, 1));
        assertThat(h.fromClient(CLIENT, noData)).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, noPeer)).isEqualTo(RelayAction.DROP);
        assertThat(h.fromClient(CLIENT, wrongFamily)).isEqualTo(RelayAction.DROP);
        assertThat(dropped(DropReason.MALFORMED_SEND)).isEqualTo(3);
    }

    @Test
    void refreshWithAFamilyTheAllocationLacksIs443() {
        alice.allocatePort();
        assertThat(code(alice.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV6)))).isEqualTo(443);
        assertThat(code(alice.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV4)))).isZero();
    }

    @Test
    void randomBytesNeverThrow() {
        SplittableRandom random = new SplittableRandom(7);
        alice.allocatePort();
        alice.channelBind(0x4000, PEER);
        byte[] valid = alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w.lifetime(600));
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(0, 120)];
                random.nextBytes(bytes);
                if (bytes.length > 0 && i % 4 == 0) {
                    bytes[0] &= 0x3F; // look like STUN or ChannelData
                }
                if (bytes.length >= 8 && i % 8 == 0) {
                    ByteBuffer.wrap(bytes).putInt(4, 0x2112A442);
                }
            } else {
                bytes = valid.clone();
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            h.server.handleClientMessage(TestLinks.udp(CLIENT), ByteBuffer.wrap(bytes), 0, bytes.length, h.now);
            h.server.handlePeerDatagram(ByteBuffer.wrap(bytes), 0, bytes.length, PEER, 50000 + random.nextInt(20), h.now);
            h.pump();
            h.outbox.clear();
        }
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        assertThat(h.server.guardTrips()).isZero();
    }
}
