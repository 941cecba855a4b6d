package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turnrelay.core.spi.RelayedPacketAllocation;
import io.turnrelay.core.spi.TransportProvider;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Heap allocated per relayed ChannelData packet on the relay's loop thread, with real sockets, on each I/O kind.
 * RelayLoop and TurnServer allocate nothing (NioRelayAllocationTest shows the whole path at 0), and this transport
 * slices or copies payloads into pooled buffers, so what is left is Netty's per-datagram objects behind its public
 * API: the sender's address and a DatagramPacket for each datagram read, a DatagramPacket for each one written, and
 * on io_uring a submission object per receive and per send (plus leak-detector samples at Netty's default level).
 * Measured on JDK 17: io_uring 361-402, epoll 237-254, NIO 140-149 bytes. Without {@code sun.misc.Unsafe} (JDK 24+
 * unless started with {@code --sun-misc-unsafe-memory-access=allow}) Netty copies between buffers through ByteBuffer
 * views it allocates: JDK 25, io_uring 541, epoll 389, NIO 349.
 */
class NettyRelayAllocationTest {
    private static final Map<NettyTransport.Io, Long> MAX_BYTES_PER_PACKET = Map.of(
            NettyTransport.Io.IO_URING, 450L,
            NettyTransport.Io.EPOLL, 320L,
            NettyTransport.Io.NIO, 200L);
    private static final Map<NettyTransport.Io, Long> MAX_BYTES_PER_PACKET_WITHOUT_UNSAFE = Map.of(
            NettyTransport.Io.IO_URING, 650L,
            NettyTransport.Io.EPOLL, 470L,
            NettyTransport.Io.NIO, 420L);

    @ParameterizedTest
    @EnumSource(NettyTransport.Io.class)
    void relayingChannelDataBothWaysAllocatesOnlyNettysPerDatagramObjects(NettyTransport.Io io) throws Exception {
        assumeTrue(io.isAvailable(), () -> io.label() + " unavailable here");
        long perPacket = RelayedPacketAllocation.bytesPerRelayedPacket(provider(io), "turnrelay-netty-0");
        System.out.println("NettyRelayAllocationTest: " + perPacket + " bytes per relayed packet on " + io.label());
        assertThat(perPacket).as("bytes per relayed packet on %s", io.label()).isLessThanOrEqualTo(bounds().get(io));
    }

    /** From JDK 24 Netty leaves {@code sun.misc.Unsafe} alone unless the JVM was started allowing it. */
    private static Map<NettyTransport.Io, Long> bounds() {
        boolean unsafeAllowed = Runtime.version().feature() < 24
                || ManagementFactory.getRuntimeMXBean().getInputArguments().contains("--sun-misc-unsafe-memory-access=allow");
        return unsafeAllowed ? MAX_BYTES_PER_PACKET : MAX_BYTES_PER_PACKET_WITHOUT_UNSAFE;
    }

    private static TransportProvider provider(NettyTransport.Io io) {
        return NettyTransportProvider.creating(shardName -> new NettyTransport(shardName, io));
    }
}
