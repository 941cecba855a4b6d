package io.turnrelay.transport.netty;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Socket;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.ChannelData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Sends that go out at once, one sendto or sendmsg each, from wherever the bytes lie; a send that would block, or
 * that the kernel refuses, is a drop. A payload in direct memory is sent from there, a ChannelData header gathered
 * in front of it (sendmsg with two iovecs), so it is never copied in user space; a heap payload (a response the
 * core built) gets the one copy into native memory. One per loop, used on the loop thread only.
 */
final class ImmediateSends {
    // A ChannelData header at 0 and two struct iovec (header, payload) at 16.
    private static final int IOVECS = 16;

    private final boolean useMemoryAddresses;
    private final NativeMemory gather = new NativeMemory(IOVECS + 32);
    private final NativeMemory staging = new NativeMemory(ChannelData.HEADER_LENGTH + Transport.MAX_DATAGRAM);

    /**
     * @param useMemoryAddresses false to hand plain sends to the native calls as buffer objects, as on JVMs that
     *     hide addresses (the gathering send always works from addresses)
     */
    ImmediateSends(boolean useMemoryAddresses) {
        this.useMemoryAddresses = useMemoryAddresses;
    }

    /** Sends {@code length} bytes at absolute index {@code offset} of {@code buffer}; false when dropped. */
    boolean send(Socket socket, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        try {
            if (!buffer.isDirect()) {
                ByteBuffer copy = staging.view();
                copy.clear();
                copy.put(buffer.duplicate().limit(offset + length).position(offset));
                return sendDirect(socket, copy, 0, length, destination);
            }
            return sendDirect(socket, buffer, offset, length, destination);
        } catch (IOException e) {
            return false; // e.g. ICMP port unreachable reported on this socket, or no route: the datagram is lost
        }
    }

    private boolean sendDirect(Socket socket, ByteBuffer buffer, int offset, int length, InetSocketAddress destination)
            throws IOException {
        int written = useMemoryAddresses
                ? socket.sendToAddress(Buffer.memoryAddress(buffer), offset, offset + length, destination.getAddress(), destination.getPort())
                : socket.sendTo(buffer, offset, offset + length, destination.getAddress(), destination.getPort());
        return written == length;
    }

    /** Sends a ChannelData frame with the payload at absolute index {@code payloadOffset} of {@code buffer}. */
    boolean sendChannelData(
            Socket socket, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        int frameLength = ChannelData.HEADER_LENGTH + payloadLength;
        if (!buffer.isDirect()) {
            ByteBuffer copy = staging.view();
            copy.clear();
            ChannelData.writeHeader(copy, 0, channelNumber, payloadLength);
            copy.position(ChannelData.HEADER_LENGTH).put(buffer.duplicate().limit(payloadOffset + payloadLength).position(payloadOffset));
            return send(socket, copy, 0, frameLength, destination);
        }
        ByteBuffer iovecs = gather.view();
        ChannelData.writeHeader(iovecs, 0, channelNumber, payloadLength);
        iovecs.putLong(IOVECS, gather.address()).putLong(IOVECS + 8, ChannelData.HEADER_LENGTH);
        iovecs.putLong(IOVECS + 16, Buffer.memoryAddress(buffer) + payloadOffset).putLong(IOVECS + 24, payloadLength);
        try {
            return socket.sendToAddresses(gather.address() + IOVECS, 2, destination.getAddress(), destination.getPort()) == frameLength;
        } catch (IOException e) {
            return false;
        }
    }

    void free() {
        gather.free();
        staging.free();
    }
}
