package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The transport contract on Netty's best I/O here: io_uring where the kernel allows it, else epoll, else NIO. On
 * io_uring two one-burst queue tests are skipped with their reason ({@link OneBurstFillsTheKernel}).
 */
@ExtendWith(OneBurstFillsTheKernel.class)
class NettyTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test");
    }

    @Test
    void runsOnTheBestIoHere() {
        NettyTransport netty = (NettyTransport) transport;
        System.out.println("NettyTransportTest runs on " + netty.description()
                + " (io_uring: " + (IoUring.isAvailable() ? "available" : IoUring.unavailabilityCause())
                + "; epoll: " + (Epoll.isAvailable() ? "available" : Epoll.unavailabilityCause()) + ")");
        assertThat(netty.io()).isEqualTo(NettyTransport.Io.best());
        assertThat(netty.description()).startsWith("netty on " + netty.io().label() + ", TLS by ");
    }

    @Test
    void runsOnIoUringWhereTheKernelAllowsIt() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable here: " + IoUring.unavailabilityCause());
        assumeTrue(!"false".equals(System.getProperty(NettyTransport.IO_URING_PROPERTY)), "io_uring switched off by property");
        assertThat(((NettyTransport) transport).io()).isEqualTo(NettyTransport.Io.IO_URING);
    }
}
