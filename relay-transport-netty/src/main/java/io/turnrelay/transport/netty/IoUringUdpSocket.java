package io.turnrelay.transport.netty;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Socket;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP socket read through the loop's io_uring: one receive (recvmsg) is always in flight, with its own buffer,
 * message header and sender address in native memory, so a datagram and its sender arrive with no system call
 * and no JNI call of their own; the loop submits the next receive with its next io_uring_enter.
 *
 * <p>Closing cancels the receive in flight; the descriptor is closed and the memory freed only when the kernel
 * has answered that receive, as until then it may still write into the buffer.
 */
final class IoUringUdpSocket implements IoUringIoHandle, NettyUdpSocket {
    private static final Logger LOG = LoggerFactory.getLogger(IoUringUdpSocket.class);
    static final byte IORING_OP_SENDMSG = 9;
    private static final byte IORING_OP_RECVMSG = 10;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final int MSG_TRUNC = 0x20;
    // struct msghdr (56 bytes: msg_name, msg_namelen, msg_iov, msg_iovlen, control, flags at 48) at 0,
    // one struct iovec at 56, room for a sockaddr_in6 at 72; the payload from 128.
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_FLAGS = 48;
    private static final int IOVEC = 56;
    private static final int SOCKADDR = 72;
    private static final int SOCKADDR_BYTES = 28;
    private static final int PAYLOAD = 128;

    private final Socket socket;
    private final boolean ipv6;
    private final int localPort;
    private final IoUringDatagramIo io;
    private final NativeMemory memory;
    private final ByteBuffer header;
    private final ByteBuffer payload;
    private final long payloadAddress;
    private final IoUringIoOps receive;
    private @Nullable IoRegistration registration;
    private long receiveId; // 0 while no receive is in flight
    private boolean closed;
    private boolean released;

    private IoUringUdpSocket(Socket socket, boolean ipv6, int localPort, int receiveBytes, IoUringDatagramIo io) {
        this.socket = socket;
        this.ipv6 = ipv6;
        this.localPort = localPort;
        this.io = io;
        this.memory = new NativeMemory(PAYLOAD + receiveBytes);
        this.header = memory.view();
        this.payload = header.duplicate().position(PAYLOAD).slice().order(ByteOrder.BIG_ENDIAN);
        long base = memory.address();
        this.payloadAddress = base + PAYLOAD;
        header.putLong(0, base + SOCKADDR).putLong(MSG_IOV, base + IOVEC).putLong(MSG_IOVLEN, 1);
        header.putLong(IOVEC, payloadAddress).putLong(IOVEC + 8, receiveBytes);
        // The same submission every time, so receiving allocates nothing.
        this.receive = new IoUringIoOps(IORING_OP_RECVMSG, (byte) 0, (short) 0, socket.intValue(), 0L, base, 1, 0,
                0L, (short) 0, (short) 0, 0, 0L);
    }

    /**
     * Opens a socket of {@code family}, binds it to {@code local} and starts receiving on {@code loop}, datagrams of
     * up to {@code receiveBytes}; call on the loop thread. Null when the address is in use or the family unavailable.
     */
    static @Nullable IoUringUdpSocket open(IoEventLoop loop, AddressFamily family, InetSocketAddress local, boolean reusePort,
            int bufferBytes, int receiveBytes, IoUringDatagramIo io) {
        Socket socket = DatagramDescriptor.openBound(family, local, reusePort, bufferBytes);
        if (socket == null) {
            return null;
        }
        IoUringUdpSocket udp = new IoUringUdpSocket(socket, family == AddressFamily.IPV6, local.getPort(), receiveBytes, io);
        try {
            udp.registration = loop.register(udp).syncUninterruptibly().getNow();
            udp.submitReceive();
            return udp;
        } catch (RuntimeException e) {
            LOG.debug("Cannot register {}: {}", local, e.toString());
            udp.close();
            return null;
        }
    }

    private void submitReceive() {
        header.putInt(MSG_NAMELEN, SOCKADDR_BYTES).putInt(MSG_FLAGS, 0); // the kernel writes both back
        IoRegistration registered = registration;
        receiveId = registered == null ? 0 : registered.submit(receive);
    }

    Socket socket() {
        return socket;
    }

    boolean ipv6() {
        return ipv6;
    }

    /** Queues {@code ops} on this socket's registration; false when the socket is closed. */
    boolean submit(IoUringIoOps ops) {
        IoRegistration registered = registration;
        return !closed && registered != null && registered.submit(ops) != 0; // 0: Netty's invalid id
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        if (completion.opcode() == IORING_OP_SENDMSG) {
            io.sent(completion.data(), completion.res());
            return;
        }
        if (completion.opcode() != IORING_OP_RECVMSG) {
            return; // the answer to a cancel
        }
        receiveId = 0;
        if (closed) {
            release();
            return;
        }
        int result = completion.res();
        if (result < 0) {
            // e.g. ICMP port unreachable, or cancelled because a send linked in front of it failed
            LOG.debug("Receive error {} on port {}", result, localPort);
        } else if ((header.getInt(MSG_FLAGS) & MSG_TRUNC) != 0) {
            LOG.debug("Dropped a datagram larger than {} bytes on port {}", payload.capacity(), localPort);
        } else {
            InetSocketAddress sender = io.sender(header, SOCKADDR, header.getInt(MSG_NAMELEN));
            if (sender != null) {
                io.deliver(localPort, payload, payloadAddress, result, sender);
            }
        }
        submitReceive();
    }

    @Override
    public boolean send(ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        return io.send(this, buffer, offset, length, destination);
    }

    @Override
    public boolean sendChannelData(int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        return io.sendChannelData(this, channelNumber, buffer, payloadOffset, payloadLength, destination);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        IoRegistration registered = registration;
        if (registered != null && receiveId != 0) {
            registered.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, receiveId, 0, 0,
                    0L, (short) 0, (short) 0, 0, 0L));
            return; // released when the receive answers
        }
        release();
    }

    /** Closes the descriptor and frees the memory; once the kernel can no longer write into it. */
    void release() {
        if (released) {
            return;
        }
        released = true;
        closed = true;
        IoRegistration registered = registration;
        if (registered != null) {
            registered.cancel();
        }
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("Closing the socket on port {} failed: {}", localPort, e.toString());
        }
        memory.free();
        io.released(this);
    }
}
