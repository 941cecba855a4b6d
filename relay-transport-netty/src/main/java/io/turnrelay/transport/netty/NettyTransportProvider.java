package io.turnrelay.transport.netty;

import io.netty.channel.epoll.Epoll;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;

/**
 * Registers {@link NettyTransport} with {@link java.util.ServiceLoader}. It outranks the JDK NIO transport
 * where native epoll loads, and ranks below it elsewhere (Netty over NIO buys nothing there).
 */
public final class NettyTransportProvider implements TransportProvider {

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public int priority() {
        return Epoll.isAvailable() ? 10 : -10;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Transport create(String shardName) {
        return new NettyTransport(shardName, true);
    }
}
