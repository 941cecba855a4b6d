package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import org.junit.jupiter.api.Test;

/** The transport contract on epoll: the native I/O where io_uring is refused (seccomp filters, old kernels). */
class NettyEpollTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test-epoll", NettyTransport.Io.EPOLL);
    }

    @Test
    void runsOnEpoll() {
        assumeTrue(Epoll.isAvailable(), () -> "epoll unavailable here: " + Epoll.unavailabilityCause());
        System.out.println("NettyEpollTransportTest runs on " + transport.description());
        assertThat(((NettyTransport) transport).io()).isEqualTo(NettyTransport.Io.EPOLL);
        assertThat(transport.description()).startsWith("netty on epoll, TLS by ");
    }
}
