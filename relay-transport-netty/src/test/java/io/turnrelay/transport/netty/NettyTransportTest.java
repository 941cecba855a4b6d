package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import io.turnrelay.core.stun.AddressFamily;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The transport contract on Netty's best I/O here: io_uring where the kernel allows it, else epoll (this module
 * ships the Linux x86_64 and aarch64 natives of both).
 */
class NettyTransportTest extends TransportContractTest {
    private static final InetAddress LOOPBACK4 = InetAddress.getLoopbackAddress();

    @Override
    protected Transport newTransport() {
        return new NettyTransport("test", true);
    }

    @Test
    void usesIoUringOrEpollOnLinux() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"));
        NettyTransport.Io expected = IoUring.isAvailable() ? NettyTransport.Io.IO_URING : NettyTransport.Io.EPOLL;
        assertThat(((NettyTransport) transport).io())
                .as("io_uring: %s; epoll: %s", IoUring.unavailabilityCause(), Epoll.unavailabilityCause())
                .isEqualTo(expected);
        assertThat(transport.description()).isEqualTo(expected == NettyTransport.Io.IO_URING ? "netty on io_uring" : "netty on epoll");
    }

    @Test
    void onIoUringARelaySocketDropsADatagramLargerThanItsBufferAndKeepsReceiving() throws Exception {
        assumeTrue(((NettyTransport) transport).io() == NettyTransport.Io.IO_URING, "io_uring unavailable here");
        startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        try (DatagramSocket peer = client()) {
            byte[] oversized = new byte[4096];
            peer.send(new DatagramPacket(oversized, oversized.length, LOOPBACK4, relayPort));
            byte[] fits = "fits".getBytes(StandardCharsets.UTF_8);
            peer.send(new DatagramPacket(fits, fits.length, LOOPBACK4, relayPort));
            var received = sink.received.poll(5, TimeUnit.SECONDS);
            assertThat(received).isNotNull();
            assertThat(received.text()).isEqualTo("fits");
            assertThat(received.localPort()).isEqualTo(relayPort);
        }
    }
}
