package io.turnrelay.transport.netty;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the Netty transport, every client over TCP. */
class NettyTcpRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NettyTransportProvider();
    }

    @Override
    protected ClientTransport clientTransport() {
        return ClientTransport.TCP;
    }
}
