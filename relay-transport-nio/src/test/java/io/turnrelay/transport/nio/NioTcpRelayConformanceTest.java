package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the NIO transport, every client over TCP. */
class NioTcpRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NioTransportProvider();
    }

    @Override
    protected ClientTransport clientTransport() {
        return ClientTransport.TCP;
    }
}
