package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TCP/TLS receive loop reduced to its framing, built on nothing but {@link StreamFraming#frameLength}:
 * chunks in, whole frames out. Like a transport it keeps one receive buffer, consumes frames in place (so
 * they sit at non-zero offsets), and only when the buffer is full compacts it or, if a frame already fills
 * it, doubles it up to {@link StreamFraming#MAX_FRAME}, which must always be enough. It checks the
 * {@code frameLength} contract on every call and throws {@link AssertionError} when it is broken. Once
 * {@link StreamFraming#INVALID} came back, it stays invalid and ignores all input.
 */
public final class StreamReassembler {
    public static final int DEFAULT_INITIAL_CAPACITY = 2048;

    private final boolean direct;
    private ByteBuffer buffer;
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
        this(direct, DEFAULT_INITIAL_CAPACITY);
    }

    /** @param initialCapacity 1 to {@link StreamFraming#MAX_FRAME}; small ones make compaction and growth frequent */
    public StreamReassembler(boolean direct, int initialCapacity) {
        if (initialCapacity < 1 || initialCapacity > StreamFraming.MAX_FRAME) {
            throw new IllegalArgumentException("initial capacity must be 1-" + StreamFraming.MAX_FRAME);
        }
        this.direct = direct;
        buffer = allocate(initialCapacity);
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
                makeRoom();
            }
            int copied = Math.min(length, buffer.capacity() - end);
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

    private void makeRoom() {
        int held = end - start;
        if (start > 0) {
            buffer.put(0, buffer, start, held);
        } else if (buffer.capacity() < StreamFraming.MAX_FRAME) {
            ByteBuffer larger = allocate(Math.min(2 * buffer.capacity(), StreamFraming.MAX_FRAME));
            larger.put(0, buffer, 0, held);
            buffer = larger;
        } else {
            throw new AssertionError("no room: " + held + " bytes held without a frame");
        }
        start = 0;
        end = held;
    }

    private ByteBuffer allocate(int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
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

    /** The receive buffer's current size. */
    public int capacity() {
        return buffer.capacity();
    }
}
