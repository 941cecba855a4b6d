package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.unix.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A block of direct memory that the kernel reads or writes by address (message headers, socket addresses,
 * buffers handed to io_uring), seen as a native-order ByteBuffer. Held by a Netty buffer so it is freed the
 * same way on every JDK (on JDK 25 Netty can free only direct memory it allocated itself).
 */
final class NativeMemory {
    private final ByteBuf owner;
    private final ByteBuffer view;
    private final long address;

    NativeMemory(int bytes) {
        this.owner = Unpooled.directBuffer(bytes, bytes);
        this.view = owner.nioBuffer(0, bytes).order(ByteOrder.nativeOrder());
        this.address = Buffer.memoryAddress(view);
    }

    /** The whole block, native byte order; use absolute indexes or reset it before use. */
    ByteBuffer view() {
        return view;
    }

    /** The address of byte 0. */
    long address() {
        return address;
    }

    void free() {
        owner.release();
    }
}
