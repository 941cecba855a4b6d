package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.StreamFraming;
import io.turnrelay.core.stun.StreamReassembler;
import io.turnrelay.core.stun.StunMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of TCP/TLS framing: the fuzzer's bytes are a stream, cut into chunks of 1-256 bytes
 * it also chooses, fed through a {@link StreamReassembler}. No exception, every frame 4-65552 bytes, INVALID
 * sticky, the frames a prefix of the stream, and the same frames and outcome as one pass over the whole stream.
 *
 * <p>The receive buffer starts at 1-255 bytes, so growing and compacting it happen in short inputs too. Input
 * layout (FuzzedDataProvider): the stream from the front; from the back, a heap/direct flag byte, the initial
 * capacity, then one byte per chunk, its size (Jazzer returns an in-range byte as it is), so a hand-made input
 * is {@code stream, sizes reversed, capacity, flag}.
 */
class StreamFramingFuzzTest {

    @FuzzTest
    void anyStreamInAnyChunksFramesLikeOnePass(FuzzedDataProvider data) {
        StreamReassembler reassembler = new StreamReassembler(data.consumeBoolean(), data.consumeInt(1, 255));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        ByteArrayOutputStream emitted = new ByteArrayOutputStream();
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 256));
            boolean wasInvalid = reassembler.invalid();
            stream.writeBytes(chunk);
            List<byte[]> frames = reassembler.feed(chunk);
            if (wasInvalid) {
                assertThat(frames).as("frames after INVALID").isEmpty();
                assertThat(reassembler.invalid()).isTrue();
            }
            for (byte[] frame : frames) {
                assertThat(frame.length).isBetween(ChannelData.HEADER_LENGTH, StreamFraming.MAX_FRAME);
                assertThat(frame.length).as("frame of %d bytes", frame.length).isEqualTo(lengthByItsHeader(frame));
                emitted.writeBytes(frame);
            }
        }
        byte[] all = stream.toByteArray();
        byte[] out = emitted.toByteArray();
        assertThat(out.length).isLessThanOrEqualTo(all.length).isEqualTo(reassembler.consumed());
        assertThat(Arrays.mismatch(out, 0, out.length, all, 0, out.length)).as("frames vs stream").isEqualTo(-1);

        ByteBuffer whole = ByteBuffer.wrap(all);
        int at = 0;
        int frames = 0;
        int answer;
        while ((answer = StreamFraming.frameLength(whole, at, all.length - at)) >= 0) {
            at += answer;
            frames++;
        }
        assertThat(frames).as("frames in one pass").isEqualTo(reassembler.framesEmitted());
        assertThat(at).as("bytes framed in one pass").isEqualTo(out.length);
        assertThat(answer == StreamFraming.INVALID).as("INVALID in one pass").isEqualTo(reassembler.invalid());
        assertThat(reassembler.buffered()).isLessThan(StreamFraming.MAX_FRAME);
        if (StreamFraming.looksLikeTlsClientHello(whole, 0, all.length)) {
            assertThat(StreamFraming.frameLength(whole, 0, all.length)).as("TLS as TURN").isEqualTo(StreamFraming.INVALID);
        }
    }

    /** RFC 8489 §6 and RFC 8656 §12.5 spelled out: 20 + Length, or 4 + Length padded to a multiple of 4. */
    private static int lengthByItsHeader(byte[] frame) {
        int length = ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        return (frame[0] & 0xC0) == 0 ? StunMessage.HEADER_LENGTH + length : ChannelData.HEADER_LENGTH + ((length + 3) & ~3);
    }
}
