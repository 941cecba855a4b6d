package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the NIO transport, every client over TLS. */
class NioTlsRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NioTransportProvider();
    }

    @Override
    protected ClientTransport clientTransport() {
        return ClientTransport.TLS;
    }
}
