package io.turnrelay.transport.netty;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the Netty transport, every client over TLS. */
class NettyTlsRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NettyTransportProvider();
    }

    @Override
    protected ClientTransport clientTransport() {
        return ClientTransport.TLS;
    }
}
