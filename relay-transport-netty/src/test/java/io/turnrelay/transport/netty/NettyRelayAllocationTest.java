package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.RelayedPacketAllocation;
import org.junit.jupiter.api.Test;

/**
 * What relaying costs in garbage on the Netty transport's native I/O, measured on the relay's loop thread with real
 * sockets. RelayLoop and TurnServer allocate nothing (NioRelayAllocationTest shows the whole path at 0); payloads
 * are neither copied into new buffers nor queued, so what is left is per-datagram bookkeeping far under one
 * payload's size:
 * <ul>
 *   <li>io_uring: the completion callback Netty's loop makes once per wakeup, and a send's submission object
 *       (72 bytes) when its descriptor has none cached for that socket; senders come from a cache and receives
 *       reuse their submission: 15-16 bytes measured (51-87 before sends' submissions were cached);
 *   <li>epoll: the sender address Netty's recvfrom returns (its bytes, InetAddress and socket address) and the
 *       address arrays its sendto builds: 182 bytes.
 * </ul>
 */
class NettyRelayAllocationTest {
    private static final long MAX_BYTES_PER_PACKET_IO_URING = 48;
    private static final long MAX_BYTES_PER_PACKET_EPOLL = 200;

    @Test
    void relayingChannelDataBothWaysAllocatesOnlyPerDatagramBookkeeping() throws Exception {
        long bound = NettyTransport.Io.best() == NettyTransport.Io.IO_URING ? MAX_BYTES_PER_PACKET_IO_URING : MAX_BYTES_PER_PACKET_EPOLL;
        long perPacket = RelayedPacketAllocation.bytesPerRelayedPacket(new NettyTransportProvider(), "turnrelay-netty-0-");
        assertThat(perPacket).as("bytes per relayed packet on %s", NettyTransport.Io.best()).isLessThanOrEqualTo(bound);
    }
}
