package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The one receive buffer of a transport's loop, handed to every socket's recvmmsg read instead of a pooled
 * buffer per read. Reuse is safe because every datagram is handled, and any reply sent, before the loop reads
 * again (the transport never queues a write that points into it). This keeps the pool out of the receive path
 * and the resident memory at one buffer per loop, whatever the number of sockets.
 *
 * <p>Datagrams arrive as Netty slices of this buffer; {@link #offsetOf} maps a slice back to an index of the
 * single {@link #view()}, which the relay loop reads and the native sender writes from without new views.
 */
final class ReusedReceiveBuffer extends DefaultMaxMessagesRecvByteBufAllocator {
    private final ByteBuf buffer;
    private final ByteBuffer view;
    private final long address;

    /** Null when this JVM gives no memory addresses for direct buffers (then the pooled path is used). */
    static @Nullable ReusedReceiveBuffer createOrNull(int capacity, int maxMessagesPerRead) {
        ByteBuf buffer = Unpooled.directBuffer(capacity, capacity);
        if (!buffer.hasMemoryAddress()) {
            buffer.release();
            return null;
        }
        return new ReusedReceiveBuffer(buffer, maxMessagesPerRead);
    }

    private ReusedReceiveBuffer(ByteBuf buffer, int maxMessagesPerRead) {
        super(maxMessagesPerRead);
        this.buffer = buffer;
        this.view = buffer.nioBuffer(0, buffer.capacity());
        this.address = buffer.memoryAddress();
    }

    /** A view of the whole buffer; index i of the view is index i of the buffer. */
    ByteBuffer view() {
        return view;
    }

    /** The buffer itself, for gathering writes that take a payload from it by index. */
    ByteBuf buffer() {
        return buffer;
    }

    /** The native address of index 0. */
    long address() {
        return address;
    }

    /** The index in {@link #view()} of {@code datagram}'s first readable byte, or -1 if it is not in this buffer. */
    int offsetOf(ByteBuf datagram) {
        if (datagram.unwrap() != buffer || !datagram.hasMemoryAddress()) {
            return -1;
        }
        return (int) (datagram.memoryAddress() + datagram.readerIndex() - address);
    }

    @Override
    public Handle newHandle() {
        return new MaxMessageHandle() {
            @Override
            public ByteBuf allocate(ByteBufAllocator ignored) {
                // Netty releases what it allocates once the read is done; the extra reference keeps it alive.
                return buffer.retain().clear();
            }

            @Override
            public int guess() {
                return buffer.capacity();
            }
        };
    }

    /** Frees the buffer; call once the loop has stopped reading. */
    void release() {
        buffer.release();
    }
}
