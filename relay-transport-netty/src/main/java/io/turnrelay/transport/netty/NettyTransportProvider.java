package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;

/**
 * Registers {@link NettyTransport} with {@link java.util.ServiceLoader} as {@code "netty"}, on {@link NettyTransport.Io#best()}.
 * It ranks below the JDK NIO transport, so it is chosen by name, or when it is the only transport on the class path.
 */
public final class NettyTransportProvider implements TransportProvider {

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public int priority() {
        return -10;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Transport create(String shardName) {
        return new NettyTransport(shardName);
    }
}
