package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;

/** The transport contract on Netty's NIO fallback, as used where native epoll does not load. */
class NettyNioTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-nio", false);
    }
}
