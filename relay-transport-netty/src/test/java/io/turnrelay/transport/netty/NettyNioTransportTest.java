package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import org.junit.jupiter.api.Test;

/** The transport contract on Netty's NIO fallback, as used where native epoll does not load. */
class NettyNioTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-nio", false);
    }

    @Test
    void saysItRunsOnNio() {
        assertThat(((NettyTransport) transport).io()).isEqualTo(NettyTransport.Io.NIO);
        assertThat(transport.description()).isEqualTo("netty on NIO");
    }
}
