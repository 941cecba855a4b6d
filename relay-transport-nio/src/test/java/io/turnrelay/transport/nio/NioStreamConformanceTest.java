package io.turnrelay.transport.nio;

import io.turnrelay.core.spi.StreamConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** What a relay on the NIO transport does with TCP and TLS connections. */
class NioStreamConformanceTest extends StreamConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NioTransportProvider();
    }
}
