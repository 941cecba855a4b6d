package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;

/**
 * The transport contract on epoll without the reused receive buffer: reads into pooled buffers, sends from their
 * views or, for ChannelData, from one copy. This is the path where the JVM gives no direct memory addresses.
 */
class NettyPooledReadTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-pooled", true, false);
    }
}
