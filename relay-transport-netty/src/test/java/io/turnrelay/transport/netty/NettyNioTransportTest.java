package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslProvider;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import org.junit.jupiter.api.Test;

/**
 * The transport contract on Netty's NIO channels, the kind every platform has, with TLS by the JDK: the fallback
 * where netty-tcnative does not load, so both TLS providers pass the contract.
 */
class NettyNioTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-nio", NettyTransport.Io.NIO, SslProvider.JDK);
    }

    @Test
    void saysItRunsOnNioWithTheJdksTls() {
        System.out.println("NettyNioTransportTest runs on " + transport.description());
        assertThat(((NettyTransport) transport).io()).isEqualTo(NettyTransport.Io.NIO);
        assertThat(transport.description()).isEqualTo("netty on NIO, TLS by the JDK");
    }
}
