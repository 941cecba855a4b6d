package io.turnrelay.transport.netty;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;

/**
 * The transport contract on epoll with receives and sends passing the direct buffer object instead of its memory
 * address: the path a JVM takes when it gives no addresses (JDK 24+ without {@code --sun-misc-unsafe-memory-access=allow}).
 */
class NettyBufferObjectTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-buffer-object", NettyTransport.Io.EPOLL, false);
    }
}
