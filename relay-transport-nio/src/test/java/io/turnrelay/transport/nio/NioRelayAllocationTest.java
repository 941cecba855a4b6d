package io.turnrelay.transport.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.RelayedPacketAllocation;
import org.junit.jupiter.api.Test;

/**
 * The whole relay path (NIO transport, RelayLoop, TurnServer) allocates nothing per relayed ChannelData
 * packet in steady state, in either direction: measured on the relay's loop thread with real sockets.
 */
class NioRelayAllocationTest {

    @Test
    void relayingChannelDataBothWaysAllocatesNothingPerPacketOnTheLoopThread() throws Exception {
        // 10,000 relayed packets; an occasional selector wake-up may allocate a few bytes, a packet never.
        assertThat(RelayedPacketAllocation.bytesPerRelayedPacket(new NioTransportProvider(), "turnrelay-nio-0"))
                .as("bytes per relayed packet")
                .isZero();
    }
}
