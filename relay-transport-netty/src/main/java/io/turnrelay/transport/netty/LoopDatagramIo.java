package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** How one {@link NettyTransport} loop does datagram I/O: opens its sockets and hands what they read to the sink. */
interface LoopDatagramIo extends AutoCloseable {

    /** Sets where datagrams go; called once, before anything is read. */
    void start(DatagramSink sink);

    /**
     * Opens a socket bound to {@code local} on the loop, a listen socket or (not {@code listen}) an allocation's
     * relay socket; call on the loop thread. Null when the address is in use.
     */
    @Nullable NettyUdpSocket open(AddressFamily family, InetSocketAddress local, boolean listen, boolean reusePort);

    /** Sends what the sends since the last call left pending; on the loop thread. */
    void flush();

    /** Frees what the I/O holds; call once the loop has stopped. */
    @Override
    void close();
}
