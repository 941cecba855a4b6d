package io.turnrelay.transport.nio;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;

/** Registers {@link NioTransport} with {@link java.util.ServiceLoader}: JDK only, so always available. */
public final class NioTransportProvider implements TransportProvider {

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Transport create(String shardName) {
        return new NioTransport(shardName);
    }
}
