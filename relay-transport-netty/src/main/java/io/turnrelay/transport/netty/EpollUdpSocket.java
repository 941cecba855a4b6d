package io.turnrelay.transport.netty;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP socket registered directly with the loop's epoll: Netty's native socket with no channel around it.
 * Netty's datagram channel makes a packet, a sender address, a buffer slice and a pipeline pass for every
 * datagram, and its batched read asks the socket for an option on every call; a relay only needs the bytes
 * and the sender, so {@link NativeDatagramIo} reads them straight into the loop's receive buffer.
 *
 * <p>Registered level-triggered: a read that stops at its per-wakeup limit is simply reported again.
 */
final class EpollUdpSocket implements EpollIoHandle, NettyUdpSocket {
    private static final Logger LOG = LoggerFactory.getLogger(EpollUdpSocket.class);

    private final Socket socket;
    private final int localPort;
    private final NativeDatagramIo io;
    private @Nullable IoRegistration registration;
    private boolean closed;

    private EpollUdpSocket(Socket socket, int localPort, NativeDatagramIo io) {
        this.socket = socket;
        this.localPort = localPort;
        this.io = io;
    }

    /**
     * Opens a socket of {@code family}, binds it to {@code local} and starts reading it on {@code loop}; call on
     * the loop thread. Null when the address is in use or the family is unavailable.
     */
    static @Nullable EpollUdpSocket open(
            IoEventLoop loop, AddressFamily family, InetSocketAddress local, boolean reusePort, int bufferBytes, NativeDatagramIo io) {
        Socket socket = DatagramDescriptor.openBound(family, local, reusePort, bufferBytes);
        if (socket == null) {
            return null;
        }
        EpollUdpSocket udp = new EpollUdpSocket(socket, local.getPort(), io);
        try {
            IoRegistration registered = loop.register(udp).syncUninterruptibly().getNow();
            udp.registration = registered;
            registered.submit(EpollIoOps.EPOLLIN);
            return udp;
        } catch (RuntimeException e) {
            LOG.debug("Cannot register {}: {}", local, e.toString());
            udp.close();
            return null;
        }
    }

    int localPort() {
        return localPort;
    }

    Socket socket() {
        return socket;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (!closed) { // EPOLLERR too: reading takes the pending error off the socket, else it would be reported again
            io.read(this);
        }
    }

    @Override
    public boolean send(ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        return io.send(socket, buffer, offset, length, destination);
    }

    @Override
    public boolean sendChannelData(int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        return io.sendChannelData(socket, channelNumber, buffer, payloadOffset, payloadLength, destination);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
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
    }
}
