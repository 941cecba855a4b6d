package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.RelayConformanceTest;
import io.turnrelay.core.spi.TransportProvider;

/** The TURN conformance suite on the Netty transport, every client over UDP. */
class NettyRelayConformanceTest extends RelayConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new NettyTransportProvider();
    }
}
