package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.PacketKind;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.EveryAccessor;
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
        EveryAccessor.read(message, StunMessage.HEADER_LENGTH, datagramLength, KEY_MD5, KEY_SHA256);
    }
}
