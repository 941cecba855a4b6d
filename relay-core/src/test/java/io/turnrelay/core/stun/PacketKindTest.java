package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PacketKindTest {

    @Test
    void everyFirstByteIsClassified() {
        for (int first = 0; first < 256; first++) {
            ByteBuffer buffer = ByteBuffer.wrap(new byte[] {(byte) first, 0, 0, 0});
            PacketKind rfc8656 = PacketKind.classify(buffer, 0, 4, false);
            PacketKind rfc5766 = PacketKind.classify(buffer, 0, 4, true);
            if (first <= 0x3F) {
                assertThat(rfc8656).as("0x%02x", first).isEqualTo(PacketKind.STUN);
                assertThat(rfc5766).as("0x%02x", first).isEqualTo(PacketKind.STUN);
            } else if (first <= 0x4F) {
                assertThat(rfc8656).as("0x%02x", first).isEqualTo(PacketKind.CHANNEL_DATA);
                assertThat(rfc5766).as("0x%02x", first).isEqualTo(PacketKind.CHANNEL_DATA);
            } else if (first <= 0x7F) {
                assertThat(rfc8656).as("0x%02x", first).isEqualTo(PacketKind.OTHER);
                assertThat(rfc5766).as("0x%02x", first).isEqualTo(PacketKind.CHANNEL_DATA);
            } else {
                assertThat(rfc8656).as("0x%02x", first).isEqualTo(PacketKind.OTHER);
                assertThat(rfc5766).as("0x%02x", first).isEqualTo(PacketKind.OTHER);
            }
        }
    }

    @Test
    void emptyDatagramIsOther() {
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0x00});
        assertThat(PacketKind.classify(buffer, 0, 0, false)).isEqualTo(PacketKind.OTHER);
        assertThat(PacketKind.classify(ByteBuffer.allocate(0), 0, 0, true)).isEqualTo(PacketKind.OTHER);
    }

    @Test
    void classifiesAtTheGivenOffsetWithoutMovingThePosition() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(8);
        buffer.put(5, (byte) 0x41).position(2);
        assertThat(PacketKind.classify(buffer, 5, 3, false)).isEqualTo(PacketKind.CHANNEL_DATA);
        assertThat(PacketKind.classify(buffer, 4, 4, false)).isEqualTo(PacketKind.STUN);
        assertThat(PacketKind.classify(buffer, 8, 1, false)).isEqualTo(PacketKind.OTHER);
        assertThat(buffer.position()).isEqualTo(2);
    }
}
