package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TCP/TLS receive loop reduced to its framing, built on nothing but {@link StreamFraming#frameLength}:
 * chunks in, whole frames out. It keeps a single {@link StreamFraming#MAX_FRAME}-byte buffer the way a
 * transport would, consumes frames in place (so frames sit at non-zero offsets) and compacts only when the
 * buffer is full. It checks the {@code frameLength} contract on every call and throws {@link AssertionError}
 * when it is broken. Once {@link StreamFraming#INVALID} came back, it stays invalid and ignores all input.
 */
public final class StreamReassembler {
    private final ByteBuffer buffer;
    private int start;
    private int end;
    private boolean invalid;
    private long consumed;
    private long framesEmitted;
    private long frameLengthCalls;

    /** Reassembles in a heap buffer. */
    public StreamReassembler() {
        this(false);
    }

    public StreamReassembler(boolean direct) {
        buffer = direct ? ByteBuffer.allocateDirect(StreamFraming.MAX_FRAME) : ByteBuffer.allocate(StreamFraming.MAX_FRAME);
    }

    public List<byte[]> feed(byte[] chunk) {
        return feed(chunk, 0, chunk.length);
    }

    /** Appends {@code length} bytes of {@code chunk} from {@code offset}; returns the frames they completed, in order. */
    public List<byte[]> feed(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        List<byte[]> frames = new ArrayList<>();
        while (length > 0 && !invalid) {
            if (end == buffer.capacity()) {
                compact();
            }
            int copied = Math.min(length, buffer.capacity() - end);
            if (copied <= 0) {
                throw new AssertionError("no room after compacting: " + (end - start) + " bytes held");
            }
            buffer.put(end, chunk, offset, copied);
            end += copied;
            offset += copied;
            length -= copied;
            drain(frames);
        }
        return frames;
    }

    /** Feeds the bytes from {@code chunk.position()} to its limit, consuming them. */
    public List<byte[]> feed(ByteBuffer chunk) {
        byte[] bytes = new byte[chunk.remaining()];
        chunk.get(bytes);
        return feed(bytes);
    }

    private void drain(List<byte[]> frames) {
        while (true) {
            int available = end - start;
            int length = StreamFraming.frameLength(buffer, start, available);
            frameLengthCalls++;
            if (length == StreamFraming.INVALID) {
                invalid = true;
                return;
            }
            if (length == StreamFraming.NEED_MORE) {
                if (available >= StreamFraming.MAX_FRAME) {
                    throw new AssertionError("NEED_MORE with " + available + " bytes available");
                }
                return;
            }
            // At least 4 bytes consumed per round: the loop ends.
            if (length < ChannelData.HEADER_LENGTH || length > StreamFraming.MAX_FRAME || length > available) {
                throw new AssertionError("frame length " + length + " with " + available + " bytes available");
            }
            byte[] frame = new byte[length];
            buffer.get(start, frame);
            frames.add(frame);
            start += length;
            consumed += length;
            framesEmitted++;
            if (start == end) {
                start = 0;
                end = 0;
            }
        }
    }

    private void compact() {
        int held = end - start;
        buffer.put(0, buffer, start, held);
        start = 0;
        end = held;
    }

    /** Whether the stream turned out impossible; sticky. */
    public boolean invalid() {
        return invalid;
    }

    /** Bytes received but not yet part of an emitted frame (when invalid: from the offending frame on, as far as fed before). */
    public int buffered() {
        return end - start;
    }

    /** Bytes emitted as frames so far; when invalid, the stream offset of the frame that was refused. */
    public long consumed() {
        return consumed;
    }

    public long framesEmitted() {
        return framesEmitted;
    }

    public long frameLengthCalls() {
        return frameLengthCalls;
    }
}
