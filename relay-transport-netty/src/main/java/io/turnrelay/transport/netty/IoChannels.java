package io.turnrelay.transport.netty;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.transport.netty.NettyTransport.Io;
import java.net.StandardSocketOptions;
import java.nio.channels.spi.SelectorProvider;
import org.jspecify.annotations.Nullable;

/** Netty's stock channel classes and options for each {@link Io}: the one place that differs between them. */
final class IoChannels {
    private static final ChannelOption<Boolean> NIO_REUSE_PORT = NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT);

    private IoChannels() {}

    static IoHandlerFactory handlerFactory(Io io) {
        return switch (io) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    static DatagramChannel newDatagramChannel(Io io, AddressFamily family) {
        SocketProtocolFamily protocol = protocolFamily(family);
        return switch (io) {
            case IO_URING -> new IoUringDatagramChannel(protocol);
            case EPOLL -> new EpollDatagramChannel(protocol);
            case NIO -> new NioDatagramChannel(protocol);
        };
    }

    /** A TCP listener socket; io_uring's is IPv6 (dual-stack) where the host has IPv6, whatever {@code family}. */
    static ServerChannel newServerChannel(Io io, AddressFamily family) {
        SocketProtocolFamily protocol = protocolFamily(family);
        return switch (io) {
            case IO_URING -> new IoUringServerSocketChannel();
            case EPOLL -> new EpollServerSocketChannel(protocol);
            case NIO -> new NioServerSocketChannel(SelectorProvider.provider(), protocol);
        };
    }

    /** SO_REUSEPORT, so several workers' sockets share one address and the kernel spreads what arrives. */
    static ChannelOption<Boolean> reusePort(Io io) {
        return switch (io) {
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case NIO -> NIO_REUSE_PORT;
        };
    }

    /**
     * The option that makes one read take several datagrams (recvmmsg), or null for one datagram per read. Only epoll
     * gets it: on io_uring it submits a recvmsg per slot on every read, each with an object of its own, though a relay
     * socket mostly holds one datagram (1,480 bytes allocated per relayed packet measured with it, 364 without).
     */
    static @Nullable ChannelOption<Integer> maxDatagramPayloadSize(Io io) {
        return io == Io.EPOLL ? EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE : null;
    }

    private static SocketProtocolFamily protocolFamily(AddressFamily family) {
        return family == AddressFamily.IPV4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    }
}
