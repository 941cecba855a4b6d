package io.turnrelay.core.stun;

import static io.turnrelay.core.stun.StreamFraming.INVALID;
import static io.turnrelay.core.stun.StreamFraming.MAX_FRAME;
import static io.turnrelay.core.stun.StreamFraming.NEED_MORE;
import static io.turnrelay.core.stun.StreamFraming.frameLength;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamFramingTest {
    private static final HexFormat HEX = HexFormat.of();

    /** A Binding request with no attributes. */
    private static final byte[] BINDING_REQUEST = HEX.parseHex("000100002112a442" + "b7e7a701bc34d686fa87dfae");

    // ---------------------------------------------------------------- STUN

    @Test
    void aHeaderOnlyStunMessageIsTwentyBytes() {
        assertThat(frameLength(ByteBuffer.wrap(BINDING_REQUEST), 0, 20)).isEqualTo(20);
    }

    @Test
    void aStunMessageWithAttributesIsTwentyPlusItsLength() {
        ByteBuffer out = ByteBuffer.allocate(256);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TransactionId.of(new byte[12]))
                .requestedTransport(17)
                .software("turnrelay")
                .lifetime(600)
                .finishWithFingerprint();
        assertThat(length).isGreaterThan(20);
        assertThat(frameLength(out, 0, length)).isEqualTo(length);
        assertThat(frameLength(out, 0, 256)).as("with bytes of the next frame behind it").isEqualTo(length);
    }

    @Test
    void theLongestStunLengthFramesAs65552InIntArithmetic() {
        byte[] header = stunHeader(0xFFFC);
        ByteBuffer buffer = ByteBuffer.allocate(MAX_FRAME + 10);
        buffer.put(0, header);
        assertThat(frameLength(buffer, 0, MAX_FRAME)).isEqualTo(MAX_FRAME).isEqualTo(20 + 65_532);
        assertThat(frameLength(buffer, 0, MAX_FRAME + 10)).isEqualTo(MAX_FRAME);
        assertThat(frameLength(buffer, 0, MAX_FRAME - 1)).isEqualTo(NEED_MORE);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 0x21, 0xFFFD, 0xFFFE, 0xFFFF})
    void aStunLengthThatIsNoMultipleOfFourIsInvalidWithFourBytes(int length) {
        byte[] header = stunHeader(length);
        assertThat(frameLength(ByteBuffer.wrap(header), 0, 3)).isEqualTo(NEED_MORE);
        assertThat(frameLength(ByteBuffer.wrap(header), 0, 4)).isEqualTo(INVALID);
        assertThat(frameLength(ByteBuffer.wrap(header), 0, 20)).isEqualTo(INVALID);
    }

    @Test
    void aBadLastCookieByteIsInvalidWithEightBytes() {
        byte[] header = BINDING_REQUEST.clone();
        header[7] = 0x43;
        for (int available = 0; available < 8; available++) {
            assertThat(frameLength(ByteBuffer.wrap(header), 0, available)).as("%d bytes", available).isEqualTo(NEED_MORE);
        }
        assertThat(frameLength(ByteBuffer.wrap(header), 0, 8)).isEqualTo(INVALID);
        assertThat(frameLength(ByteBuffer.wrap(header), 0, 20)).isEqualTo(INVALID);
    }

    /** Each cookie byte is judged as soon as it arrives. */
    @Test
    void aBadCookieByteIsInvalidAsSoonAsItArrives() {
        for (int index = 4; index < 8; index++) {
            byte[] header = BINDING_REQUEST.clone();
            header[index] ^= 0x01;
            assertThat(frameLength(ByteBuffer.wrap(header), 0, index)).as("cookie byte %d not yet there", index).isEqualTo(NEED_MORE);
            assertThat(frameLength(ByteBuffer.wrap(header), 0, index + 1)).as("cookie byte %d wrong", index).isEqualTo(INVALID);
        }
    }

    @Test
    void everyProperPrefixOfAStunMessageNeedsMore() {
        byte[] wire = new byte[20 + 8];
        System.arraycopy(stunHeader(8), 0, wire, 0, 20);
        for (int available = 0; available < wire.length; available++) {
            assertThat(frameLength(ByteBuffer.wrap(wire), 0, available)).as("%d bytes", available).isEqualTo(NEED_MORE);
        }
        assertThat(frameLength(ByteBuffer.wrap(wire), 0, wire.length)).isEqualTo(28);
    }

    @Test
    void everyStunFirstByteIsFramedWhateverTheMethod() {
        for (int first = 0; first <= 0x3F; first++) {
            byte[] header = BINDING_REQUEST.clone();
            header[0] = (byte) first;
            header[1] = (byte) 0xFF;
            assertThat(frameLength(ByteBuffer.wrap(header), 0, 20)).as("0x%02x", first).isEqualTo(20);
        }
    }

    // ---------------------------------------------------------------- ChannelData

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void channelDataIsPaddedToAMultipleOfFour(int payloadLength) {
        int expected = switch (payloadLength) {
            case 0 -> 4;
            case 1, 2, 3, 4 -> 8;
            default -> 12;
        };
        ByteBuffer buffer = ByteBuffer.allocate(16);
        ChannelData.writeHeader(buffer, 0, 0x4001, payloadLength);
        assertThat(frameLength(buffer, 0, expected)).isEqualTo(expected);
        assertThat(frameLength(buffer, 0, 16)).isEqualTo(expected);
        for (int available = 0; available < expected; available++) {
            assertThat(frameLength(buffer, 0, available)).as("%d bytes", available).isEqualTo(NEED_MORE);
        }
        assertThat(StreamFraming.paddedChannelDataLength(payloadLength)).isEqualTo(expected);
        assertThat(StreamFraming.padding(payloadLength)).isEqualTo(expected - 4 - payloadLength);
    }

    @Test
    void theLongestChannelDataIs65540Bytes() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_FRAME);
        ChannelData.writeHeader(buffer, 0, 0x4FFF, 0xFFFF);
        assertThat(frameLength(buffer, 0, 65_540)).isEqualTo(65_540);
        assertThat(frameLength(buffer, 0, 65_539)).isEqualTo(NEED_MORE);
        assertThat(StreamFraming.paddedChannelDataLength(0xFFFF)).isEqualTo(65_540);
    }

    /** RFC 8656 leaves 0x5000-0x7FFF unassigned; the server drops such frames, so it must still know where they end. */
    @ParameterizedTest
    @ValueSource(ints = {0x4000, 0x4FFF, 0x5000, 0x6ABC, 0x7FFF})
    void everyChannelDataFirstByteIsFramedByLength(int channel) {
        ByteBuffer buffer = ByteBuffer.allocate(12);
        ChannelData.writeHeader(buffer, 0, channel, 6);
        assertThat(frameLength(buffer, 0, 12)).isEqualTo(12);
    }

    @Test
    void paddingIsForPayloadLengthsThatFitTheField() {
        assertThat(StreamFraming.padding(0xFFFF)).isEqualTo(1);
        assertThatThrownBy(() -> StreamFraming.padding(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamFraming.padding(0x10000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamFraming.paddedChannelDataLength(0x10000)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- anything else

    @Test
    void aFirstByteFrom0x80IsInvalidWithOneByte() {
        for (int first = 0x80; first <= 0xFF; first++) {
            ByteBuffer buffer = ByteBuffer.wrap(new byte[] {(byte) first});
            assertThat(frameLength(buffer, 0, 1)).as("0x%02x", first).isEqualTo(INVALID);
        }
    }

    @Test
    void nothingAvailableNeedsMore() {
        assertThat(frameLength(ByteBuffer.allocate(0), 0, 0)).isEqualTo(NEED_MORE);
        assertThat(frameLength(ByteBuffer.wrap(new byte[] {(byte) 0xFF}), 1, 0)).isEqualTo(NEED_MORE);
    }

    @Test
    void aRangeOutsideTheLimitIsACallerBug() {
        ByteBuffer buffer = ByteBuffer.wrap(BINDING_REQUEST).limit(10);
        assertThatThrownBy(() -> frameLength(buffer, 0, 11)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> frameLength(buffer, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> frameLength(buffer, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> StreamFraming.looksLikeTlsClientHello(buffer, 8, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ---------------------------------------------------------------- where the bytes sit

    @Test
    void framesAtANonZeroOffsetLeavePositionAndLimitAlone() {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        buffer.put(7, BINDING_REQUEST);
        ChannelData.writeHeader(buffer, 27, 0x4002, 3);
        buffer.position(30).limit(40);
        assertThat(frameLength(buffer, 7, 33)).isEqualTo(20);
        assertThat(frameLength(buffer, 27, 8)).isEqualTo(8);
        assertThat(frameLength(buffer, 27, 7)).isEqualTo(NEED_MORE);
        assertThat(buffer.position()).isEqualTo(30);
        assertThat(buffer.limit()).isEqualTo(40);
    }

    /** Reads nothing past {@code offset + available}: a bad byte right after the window must not matter. */
    @Test
    void bytesPastTheWindowAreNotRead() {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) 0xFF);
        System.arraycopy(BINDING_REQUEST, 0, bytes, 0, 7);
        for (int available = 0; available <= 7; available++) {
            assertThat(frameLength(ByteBuffer.wrap(bytes), 0, available)).as("%d bytes", available).isEqualTo(NEED_MORE);
        }
    }

    @Test
    void directAndLittleEndianBuffersFrameTheSame() {
        ByteBuffer direct = ByteBuffer.allocateDirect(40).order(ByteOrder.LITTLE_ENDIAN);
        direct.put(3, BINDING_REQUEST);
        ChannelData.writeHeader(direct, 23, 0x7FFF, 9);
        assertThat(frameLength(direct, 3, 37)).isEqualTo(20);
        assertThat(frameLength(direct, 23, 17)).isEqualTo(16);
        assertThat(frameLength(direct, 23, 15)).isEqualTo(NEED_MORE);
        assertThat(direct.position()).isZero();
    }

    @Test
    void aReadOnlyBufferFramesTheSame() {
        ByteBuffer readOnly = ByteBuffer.wrap(BINDING_REQUEST).asReadOnlyBuffer();
        assertThat(frameLength(readOnly, 0, 20)).isEqualTo(20);
    }

    @Test
    void framingAllocatesNothing() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64);
        buffer.put(0, BINDING_REQUEST);
        ChannelData.writeHeader(buffer, 20, 0x4001, 5);
        buffer.put(32, new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00, (byte) 0x80});
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long checksum = frame(buffer, 10_000);
        long before = threads.getThreadAllocatedBytes(thread);
        checksum += frame(buffer, 100_000);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(checksum).isEqualTo(110_000L * (20 + 12 + NEED_MORE + INVALID + 1));
        assertThat(allocated).as("bytes allocated for 100,000 rounds").isLessThan(4096);
    }

    private static long frame(ByteBuffer buffer, int rounds) {
        long sum = 0;
        for (int i = 0; i < rounds; i++) {
            sum += frameLength(buffer, 0, 64);
            sum += frameLength(buffer, 20, 44);
            sum += frameLength(buffer, 20, 11);
            sum += frameLength(buffer, 40, 1);
            sum += StreamFraming.looksLikeTlsClientHello(buffer, 32, 6) ? 1 : 0;
        }
        return sum;
    }

    // ---------------------------------------------------------------- TLS sniffing

    /** The first 16 bytes `openssl s_client` (OpenSSL 3.0.19) sent: record 16 03 01 len, handshake type 01, len, 03 03. */
    private static final byte[] CLIENT_HELLO = HEX.parseHex("1603010124" + "01000120" + "0303" + "8af36b1b51");

    @Test
    void aClientHelloIsRecognisedWithSixBytes() {
        ByteBuffer buffer = ByteBuffer.wrap(CLIENT_HELLO);
        assertThat(StreamFraming.TLS_SNIFF_BYTES).isEqualTo(6);
        for (int available = 0; available < 6; available++) {
            assertThat(StreamFraming.looksLikeTlsClientHello(buffer, 0, available)).as("%d bytes", available).isFalse();
        }
        assertThat(StreamFraming.looksLikeTlsClientHello(buffer, 0, 6)).isTrue();
        assertThat(StreamFraming.looksLikeTlsClientHello(buffer, 0, CLIENT_HELLO.length)).isTrue();
        assertThat(frameLength(buffer, 0, CLIENT_HELLO.length)).as("as a TURN stream").isEqualTo(INVALID);
    }

    @Test
    void theJdksOwnClientHelloIsRecognised() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("turn.example.org", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        assertThat(out.remaining()).isGreaterThan(StreamFraming.TLS_SNIFF_BYTES);
        assertThat(StreamFraming.looksLikeTlsClientHello(out, 0, out.remaining())).isTrue();
        assertThat(StreamFraming.looksLikeTlsClientHello(out, 0, StreamFraming.TLS_SNIFF_BYTES - 1)).isFalse();
        assertThat(frameLength(out, 0, out.remaining())).isEqualTo(INVALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"160300", "160301", "160303"})
    void everyRecordMinorVersionIsTls(String recordHeader) {
        byte[] hello = HEX.parseHex(recordHeader + "0031" + "01");
        ByteBuffer direct = ByteBuffer.allocateDirect(10);
        direct.put(4, hello);
        assertThat(StreamFraming.looksLikeTlsClientHello(direct, 4, 6)).isTrue();
    }

    @Test
    void otherTlsRecordsAreNotAClientHello() {
        // A ServerHello, an alert, application data, and a version-2 major byte.
        for (String bytes : List.of("160303005a02", "150301000201", "170303002001", "160201002001")) {
            assertThat(StreamFraming.looksLikeTlsClientHello(ByteBuffer.wrap(HEX.parseHex(bytes)), 0, 6)).as(bytes).isFalse();
        }
    }

    @Test
    void stunAndChannelDataNeverLookLikeTls() {
        ByteBuffer stun = ByteBuffer.wrap(BINDING_REQUEST);
        assertThat(StreamFraming.looksLikeTlsClientHello(stun, 0, 20)).isFalse();
        // Method 0x1603 would start like a TLS record; its cookie, not handshake type 1, follows.
        byte[] tlsLikeStun = BINDING_REQUEST.clone();
        tlsLikeStun[0] = 0x16;
        tlsLikeStun[1] = 0x03;
        assertThat(frameLength(ByteBuffer.wrap(tlsLikeStun), 0, 20)).isEqualTo(20);
        assertThat(StreamFraming.looksLikeTlsClientHello(ByteBuffer.wrap(tlsLikeStun), 0, 20)).isFalse();
        for (int first = 0x40; first <= 0x7F; first++) {
            ByteBuffer channelData = ByteBuffer.wrap(new byte[] {(byte) first, 0x03, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00});
            assertThat(StreamFraming.looksLikeTlsClientHello(channelData, 0, 8)).as("0x%02x", first).isFalse();
        }
    }

    // ---------------------------------------------------------------- the test reassembler

    @Test
    void theReassemblerJoinsFramesCutAnywhereAndStaysInvalid() {
        byte[] channelData = {0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0};
        byte[] stream = concat(BINDING_REQUEST, channelData, BINDING_REQUEST, new byte[] {(byte) 0x80, 0x00});
        for (int cut = 0; cut <= stream.length; cut++) {
            StreamReassembler reassembler = new StreamReassembler(cut % 2 == 0, 1 + cut % 7);
            List<byte[]> first = reassembler.feed(stream, 0, cut);
            List<byte[]> second = reassembler.feed(stream, cut, stream.length - cut);
            assertThat(concat(first, second)).as("cut at %d", cut).containsExactly(BINDING_REQUEST, channelData, BINDING_REQUEST);
            assertThat(reassembler.invalid()).isTrue();
            assertThat(reassembler.consumed()).isEqualTo(52);
            assertThat(reassembler.feed(BINDING_REQUEST)).as("after INVALID").isEmpty();
            assertThat(reassembler.invalid()).isTrue();
        }
    }

    private static byte[] stunHeader(int length) {
        byte[] header = BINDING_REQUEST.clone();
        header[2] = (byte) (length >>> 8);
        header[3] = (byte) length;
        return header;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) length += part.length;
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static List<byte[]> concat(List<byte[]> first, List<byte[]> second) {
        List<byte[]> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
