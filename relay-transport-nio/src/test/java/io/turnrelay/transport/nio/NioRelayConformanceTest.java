package io.turnrelay.transport.nio;

import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the NIO transport, every client over UDP. */
class NioRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NioTransportProvider();
    }
}
