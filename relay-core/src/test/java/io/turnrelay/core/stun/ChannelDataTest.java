package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelDataTest {

    @Test
    void channelNumberRanges() {
        assertThat(ChannelData.isValidChannelNumber(0x3FFF, false)).isFalse();
        assertThat(ChannelData.isValidChannelNumber(0x4000, false)).isTrue();
        assertThat(ChannelData.isValidChannelNumber(0x4FFF, false)).isTrue();
        assertThat(ChannelData.isValidChannelNumber(0x5000, false)).isFalse();
        assertThat(ChannelData.isValidChannelNumber(0x5000, true)).isTrue();
        assertThat(ChannelData.isValidChannelNumber(0x7FFF, true)).isTrue();
        assertThat(ChannelData.isValidChannelNumber(0x8000, true)).isFalse();
        assertThat(ChannelData.isValidChannelNumber(0x3FFF, true)).isFalse();
        assertThat(ChannelData.isValidChannelNumber(-1, true)).isFalse();
    }

    @Test
    void headerWrittenIntoHeadroomParsesBack() {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        buffer.position(10).put(new byte[] {1, 2, 3, 4, 5}).position(3);
        ChannelData.writeHeader(buffer, 6, 0x4ABC, 5);

        assertThat(buffer.position()).isEqualTo(3);
        assertThat(buffer.get(6)).isEqualTo((byte) 0x4A);
        assertThat(buffer.get(7)).isEqualTo((byte) 0xBC);
        assertThat(buffer.get(8)).isZero();
        assertThat(buffer.get(9)).isEqualTo((byte) 5);
        assertThat(ChannelData.channelNumber(buffer, 6)).isEqualTo(0x4ABC);
        assertThat(ChannelData.payloadLength(buffer, 6, 9, false)).isEqualTo(5);
        assertThat(buffer.get(6 + ChannelData.HEADER_LENGTH)).isEqualTo((byte) 1);
    }

    @Test
    void directBuffersWorkTheSame() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(8);
        ChannelData.writeHeader(buffer, 0, 0x4000, 4);
        assertThat(ChannelData.payloadLength(buffer, 0, 8, false)).isEqualTo(4);
        assertThat(buffer.position()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 100})
    void paddingAfterThePayloadIsTolerated(int padding) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 5 + padding);
        ChannelData.writeHeader(buffer, 0, 0x4001, 5);
        assertThat(ChannelData.payloadLength(buffer, 0, 4 + 5 + padding, false)).isEqualTo(5);
    }

    @Test
    void emptyPayloadIsValid() {
        ByteBuffer buffer = ByteBuffer.allocate(4);
        ChannelData.writeHeader(buffer, 0, 0x4001, 0);
        assertThat(ChannelData.payloadLength(buffer, 0, 4, false)).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void fewerThanFourBytesIsATruncatedHeader(int length) {
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0x40, 0x00, 0x00, 0x00});
        assertThat(ChannelData.payloadLength(buffer, 0, length, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
    }

    @Test
    void channelNumbersOutsideTheRangeAreRejected() {
        ByteBuffer buffer = ByteBuffer.allocate(8);
        ChannelData.writeHeader(buffer, 0, 0x5000, 4);
        assertThat(ChannelData.payloadLength(buffer, 0, 8, false)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
        assertThat(ChannelData.payloadLength(buffer, 0, 8, true)).isEqualTo(4);
        ChannelData.writeHeader(buffer, 0, 0x3FFF, 4);
        assertThat(ChannelData.payloadLength(buffer, 0, 8, true)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
        ChannelData.writeHeader(buffer, 0, 0x8000, 4);
        assertThat(ChannelData.payloadLength(buffer, 0, 8, true)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
    }

    @Test
    void lengthBeyondTheDatagramIsRejected() {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        ChannelData.writeHeader(buffer, 0, 0x4000, 5);
        // The buffer has room, but the datagram is only 8 bytes long.
        assertThat(ChannelData.payloadLength(buffer, 0, 8, false)).isEqualTo(ChannelData.LENGTH_EXCEEDS_DATAGRAM);
        assertThat(ChannelData.payloadLength(buffer, 0, 9, false)).isEqualTo(5);
    }

    @Test
    void neverThrowsForAnyRangeInsideTheBuffer() {
        byte[] bytes = new byte[12];
        for (int first = 0; first < 256; first++) {
            bytes[0] = (byte) first;
            bytes[4] = (byte) first;
            bytes[3] = (byte) (first % 13);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            for (int offset = 0; offset <= bytes.length; offset++) {
                for (int length = 0; offset + length <= bytes.length; length++) {
                    int result = ChannelData.payloadLength(buffer, offset, length, first % 2 == 0);
                    if (result >= 0) {
                        assertThat(result).isLessThanOrEqualTo(length - ChannelData.HEADER_LENGTH);
                    } else {
                        assertThat(result).isIn(ChannelData.TRUNCATED_HEADER, ChannelData.BAD_CHANNEL_NUMBER,
                                ChannelData.LENGTH_EXCEEDS_DATAGRAM);
                    }
                }
            }
        }
    }

    @Test
    void rangesReachingPastTheLimitOnlyUseTheBytesThatExist() {
        ByteBuffer buffer = ByteBuffer.allocate(6);
        ChannelData.writeHeader(buffer, 0, 0x4000, 2);
        assertThat(ChannelData.payloadLength(buffer, 0, 100, false)).isEqualTo(2);
        assertThat(ChannelData.payloadLength(buffer, 4, 100, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
        assertThat(ChannelData.payloadLength(buffer, 7, 4, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
        assertThat(ChannelData.payloadLength(buffer, -1, 4, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
    }

    @Test
    void headerFieldsMustFitSixteenBits() {
        ByteBuffer buffer = ByteBuffer.allocate(8);
        assertThatThrownBy(() -> ChannelData.writeHeader(buffer, 0, 0x10000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChannelData.writeHeader(buffer, 0, 0x4000, 0x10000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChannelData.writeHeader(buffer, 0, 0x4000, -1)).isInstanceOf(IllegalArgumentException.class);
        ChannelData.writeHeader(buffer, 0, 0x4000, 0xFFFF);
        assertThat(buffer.getShort(2) & 0xFFFF).isEqualTo(0xFFFF);
    }
}
