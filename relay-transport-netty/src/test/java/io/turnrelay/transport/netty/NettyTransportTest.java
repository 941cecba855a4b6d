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
 * The transport contract on io_uring where the kernel allows it (else the next best I/O). Two one-burst queue tests
 * are skipped on io_uring with their reason ({@link OneBurstFillsTheKernel}).
 */
@ExtendWith(OneBurstFillsTheKernel.class)
class NettyTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test", NettyTransport.Io.IO_URING);
    }

    @Test
    void saysWhichIoItRunsOn() {
        NettyTransport netty = (NettyTransport) transport;
        System.out.println("NettyTransportTest runs on " + netty.description()
                + " (io_uring: " + (IoUring.isAvailable() ? "available" : IoUring.unavailabilityCause())
                + "; epoll: " + (Epoll.isAvailable() ? "available" : Epoll.unavailabilityCause()) + ")");
        assertThat(netty.io()).isEqualTo(NettyTransport.Io.IO_URING.orAvailable());
        assertThat(netty.description()).startsWith("netty on " + netty.io().label() + ", TLS by ");
    }

    @Test
    void theBestIoIsEpollUnlessIoUringIsAskedFor() {
        // io_uring datagram channels hold 160 KiB each in Netty 4.2.18, one per allocation: too much by default.
        assumeTrue(System.getProperty(NettyTransport.IO_URING_PROPERTY) == null, "io_uring property set for this run");
        assertThat(NettyTransport.Io.best()).isEqualTo(NettyTransport.Io.EPOLL.orAvailable());
        try (NettyTransport defaults = new NettyTransport("best")) {
            assertThat(defaults.io()).isEqualTo(NettyTransport.Io.EPOLL.orAvailable());
        }
    }
}
