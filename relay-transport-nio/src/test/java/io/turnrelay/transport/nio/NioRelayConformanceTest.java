package io.turnrelay.transport.nio;

import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the Nio transport. */
class NioRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NioTransportProvider();
    }
}
