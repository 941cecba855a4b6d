package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.StreamConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** What a relay on the Netty transport does with TCP and TLS connections. */
class NettyStreamConformanceTest extends StreamConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NettyTransportProvider();
    }
}
