package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.PacketKind;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of the STUN/ChannelData decoder. Bad input may only ever surface as a
 * {@link StunDecodeException}; once a message parsed, every accessor and every check must answer without throwing.
 * In a normal build this runs in regression mode over {@code StunDecoderFuzzTestInputs/}; see relay-core/README.md.
 */
class StunDecoderFuzzTest {
    private static final byte[] KEY_MD5 = new byte[16];
    private static final byte[] KEY_SHA256 = new byte[32];

    @FuzzTest
    void decodeNeverThrowsAnythingButStunDecodeException(byte[] datagram) {
        classifyAndFrame(datagram);
        StunMessage message;
        try {
            message = StunMessage.parse(datagram, 0, datagram.length);
        } catch (StunDecodeException expected) {
            return;
        }
        readEverything(message, datagram.length);
        // A heap buffer at an offset and a direct buffer must decode the same message.
        ByteBuffer direct = ByteBuffer.allocateDirect(datagram.length);
        direct.put(datagram).flip();
        try {
            StunMessage again = StunMessage.parse(direct);
            assertThat(again.transactionId()).isEqualTo(message.transactionId());
            assertThat(again.attributeCount()).isEqualTo(message.attributeCount());
        } catch (StunDecodeException e) {
            throw new AssertionError("array decoded, direct buffer did not", e);
        }
    }

    private static void classifyAndFrame(byte[] datagram) {
        ByteBuffer buffer = ByteBuffer.wrap(datagram);
        for (boolean wideRange : new boolean[] {false, true}) {
            PacketKind kind = PacketKind.classify(buffer, 0, datagram.length, wideRange);
            int payload = ChannelData.payloadLength(buffer, 0, datagram.length, wideRange);
            if (payload >= 0) {
                assertThat(kind).isEqualTo(PacketKind.CHANNEL_DATA);
                assertThat(ChannelData.HEADER_LENGTH + payload).isLessThanOrEqualTo(datagram.length);
            } else {
                assertThat(payload).isIn(ChannelData.TRUNCATED_HEADER, ChannelData.BAD_CHANNEL_NUMBER, ChannelData.LENGTH_EXCEEDS_DATAGRAM);
            }
        }
    }

    private static void readEverything(StunMessage message, int datagramLength) {
        assertThat(message.length()).isBetween(StunMessage.HEADER_LENGTH, datagramLength);
        message.messageClass();
        message.method();
        message.transactionId();
        for (int i = 0; i < message.attributeCount(); i++) {
            message.has(message.attributeType(i));
            int offset = message.attributeValueOffset(i);
            int length = message.attributeValueLength(i);
            assertThat(offset).isBetween(StunMessage.HEADER_LENGTH, datagramLength);
            assertThat(offset + length).isLessThanOrEqualTo(datagramLength);
        }
        message.unknownComprehensionRequiredAttributes();
        message.mappedAddress();
        message.xorMappedAddress();
        message.xorPeerAddresses();
        message.xorRelayedAddresses();
        message.alternateServer();
        message.username();
        message.userhash();
        message.realm();
        message.nonce();
        message.software();
        message.alternateDomain();
        message.errorCode();
        message.unknownAttributes();
        message.passwordAlgorithms();
        message.passwordAlgorithm();
        message.lifetime();
        message.channelNumber();
        message.requestedTransport();
        message.requestedAddressFamily();
        message.requestedAddressFamilyCode();
        message.additionalAddressFamily();
        message.additionalAddressFamilyCode();
        message.hasEvenPort();
        message.evenPortReserveNext();
        message.reservationToken();
        message.dontFragment();
        if (message.hasData()) {
            assertThat(message.dataOffset() + message.dataLength()).isLessThanOrEqualTo(datagramLength);
        }
        message.addressErrorCode();
        message.icmp();
        message.hasMessageIntegrity();
        message.hasMessageIntegritySha256();
        message.hasFingerprint();
        message.verifyMessageIntegrity(KEY_MD5);
        message.verifyMessageIntegritySha256(KEY_SHA256);
        message.verifyFingerprint();
        message.toString();
    }
}
