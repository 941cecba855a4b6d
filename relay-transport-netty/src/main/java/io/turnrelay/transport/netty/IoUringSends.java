package io.turnrelay.transport.netty;

import io.netty.channel.uring.IoUringIoOps;
import io.turnrelay.core.stun.ChannelData;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Sends submitted to the loop's io_uring instead of made at once: each takes a descriptor (message header, two
 * iovecs, destination address and room for a ChannelData header, in native memory) until its completion arrives.
 * The loop submits all of a pass's sends and receives with one io_uring_enter, and the kernel issues each send
 * there, in order; linking a send to the receive queued after it keeps that receive from reusing the payload's
 * buffer before the send has read it. MSG_DONTWAIT makes a send that would block fail rather than wait.
 */
final class IoUringSends {
    /** The channel number that means: send the payload as it is, no ChannelData frame. */
    static final int NO_CHANNEL = -1;
    private static final int DESCRIPTOR_BYTES = 128;
    // Within a descriptor: struct msghdr at 0, two struct iovec at 56, sockaddr_in6 at 88, the ChannelData header at 116.
    private static final int IOVECS = 56;
    private static final int SOCKADDR = 88;
    private static final int HEADER = 116;
    private static final byte IOSQE_IO_LINK = 1 << 2;
    private static final int MSG_DONTWAIT = 0x40;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;

    private final NativeMemory block;
    private final ByteBuffer memory;
    private final long base;
    private final short[] free;
    private int freeCount;
    // Two submissions kept per descriptor, keyed by socket: a send's operation differs from the last one on the same
    // descriptor only in the socket, and the one socket all of a loop's sends to clients go through stays cached.
    private final IoUringIoOps[] cachedOps;
    private final int[] cachedFd;
    private final byte[] leastRecent;

    IoUringSends(int descriptors) {
        if (descriptors > Short.MAX_VALUE) {
            throw new IllegalArgumentException("at most " + Short.MAX_VALUE + " descriptors");
        }
        this.block = new NativeMemory(descriptors * DESCRIPTOR_BYTES);
        this.memory = block.view();
        this.base = block.address();
        this.free = new short[descriptors];
        for (int i = 0; i < descriptors; i++) {
            free[i] = (short) (descriptors - 1 - i);
        }
        this.freeCount = descriptors;
        this.cachedOps = new IoUringIoOps[2 * descriptors];
        this.cachedFd = new int[2 * descriptors];
        this.leastRecent = new byte[descriptors];
    }

    /**
     * Queues a send of {@code length} bytes at {@code payloadAddress} on {@code via}, as a ChannelData frame when
     * {@code channelNumber} is not {@link #NO_CHANNEL}; false when no descriptor is free or the socket is closed.
     */
    boolean submit(IoUringUdpSocket via, int channelNumber, long payloadAddress, int length, InetSocketAddress destination) {
        if (freeCount == 0) {
            return false;
        }
        short descriptor = free[--freeCount];
        int at = descriptor * DESCRIPTOR_BYTES;
        long address = base + at;
        int nameLength = putSockaddr(at + SOCKADDR, via.ipv6(), destination);
        int iovecs = 0;
        if (channelNumber != NO_CHANNEL) {
            ChannelData.writeHeader(memory, at + HEADER, channelNumber, length);
            memory.putLong(at + IOVECS, address + HEADER).putLong(at + IOVECS + 8, ChannelData.HEADER_LENGTH);
            iovecs++;
        }
        memory.putLong(at + IOVECS + 16 * iovecs, payloadAddress).putLong(at + IOVECS + 16 * iovecs + 8, length);
        iovecs++;
        memory.putLong(at, address + SOCKADDR).putInt(at + 8, nameLength).putInt(at + 12, 0);
        memory.putLong(at + 16, address + IOVECS).putLong(at + 24, iovecs);
        memory.putLong(at + 32, 0).putLong(at + 40, 0).putLong(at + 48, 0);
        if (!via.submit(sendOperation(descriptor, via.socket().intValue(), address))) {
            free[freeCount++] = descriptor;
            return false;
        }
        return true;
    }

    /** The sendmsg of {@code descriptor}'s message header on socket {@code fd}: a cached one, or a new one cached. */
    private IoUringIoOps sendOperation(short descriptor, int fd, long header) {
        int first = 2 * descriptor;
        for (int slot = first; slot < first + 2; slot++) {
            IoUringIoOps cached = cachedOps[slot];
            if (cached != null && cachedFd[slot] == fd) {
                leastRecent[descriptor] = (byte) (first + 1 - slot);
                return cached;
            }
        }
        int slot = first + leastRecent[descriptor];
        IoUringIoOps send = new IoUringIoOps(IoUringUdpSocket.IORING_OP_SENDMSG, IOSQE_IO_LINK, (short) 0, fd,
                0L, header, 1, MSG_DONTWAIT, descriptor, (short) 0, (short) 0, 0, 0L);
        cachedOps[slot] = send;
        cachedFd[slot] = fd;
        leastRecent[descriptor] = (byte) (1 - leastRecent[descriptor]);
        return send;
    }

    /** The send that held {@code descriptor} has completed. */
    void release(short descriptor) {
        free[freeCount++] = descriptor;
    }

    /** Writes a sockaddr_in or sockaddr_in6 for {@code destination} at {@code at}; returns its length. */
    private int putSockaddr(int at, boolean ipv6Socket, InetSocketAddress destination) {
        InetAddress ip = destination.getAddress();
        int port = destination.getPort();
        memory.put(at + 2, (byte) (port >>> 8)).put(at + 3, (byte) port);
        if (ip instanceof Inet4Address) {
            int v4 = ip.hashCode(); // Inet4Address's hash is its address, and reading it allocates nothing
            if (!ipv6Socket) {
                memory.putShort(at, AF_INET);
                memory.put(at + 4, (byte) (v4 >>> 24)).put(at + 5, (byte) (v4 >>> 16)).put(at + 6, (byte) (v4 >>> 8)).put(at + 7, (byte) v4);
                memory.putLong(at + 8, 0);
                return 16;
            }
            memory.putShort(at, AF_INET6).putInt(at + 4, 0).putLong(at + 8, 0).putShort(at + 16, (short) 0); // ::ffff:a.b.c.d
            memory.put(at + 18, (byte) 0xFF).put(at + 19, (byte) 0xFF);
            memory.put(at + 20, (byte) (v4 >>> 24)).put(at + 21, (byte) (v4 >>> 16)).put(at + 22, (byte) (v4 >>> 8)).put(at + 23, (byte) v4);
            memory.putInt(at + 24, 0);
            return 28;
        }
        byte[] bytes = ip.getAddress();
        memory.putShort(at, AF_INET6).putInt(at + 4, 0);
        for (int i = 0; i < 16; i++) {
            memory.put(at + 8 + i, bytes[i]);
        }
        memory.putInt(at + 24, ((Inet6Address) ip).getScopeId());
        return 28;
    }

    void close() {
        block.free();
    }
}
