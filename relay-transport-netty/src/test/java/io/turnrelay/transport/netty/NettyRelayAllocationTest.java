package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.RelayedPacketAllocation;
import org.junit.jupiter.api.Test;

/**
 * What relaying costs in garbage on the Netty transport with native epoll, measured on the relay's loop thread
 * with real sockets. RelayLoop and TurnServer allocate nothing (NioRelayAllocationTest shows the whole path at 0);
 * what is left is what Netty's native socket creates for every datagram: the sender address its recvfrom returns
 * and the address bytes its sendto builds. Payloads are neither copied into new buffers nor queued, so the bound
 * below stays far under one payload's size.
 */
class NettyRelayAllocationTest {
    /** The sender address from recvfrom (its bytes, InetAddress and socket address) and sendto's address arrays: 182 bytes. */
    private static final long MAX_BYTES_PER_PACKET = 200;

    @Test
    void relayingChannelDataBothWaysAllocatesOnlyNettysAddressObjects() throws Exception {
        long perPacket = RelayedPacketAllocation.bytesPerRelayedPacket(new NettyTransportProvider(), "turnrelay-netty-0-");
        assertThat(perPacket).as("bytes per relayed packet").isLessThanOrEqualTo(MAX_BYTES_PER_PACKET);
    }
}
