package io.turnrelay.transport.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.RelayConfig;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.LoopbackRelayConfig;
import io.turnrelay.core.spi.ShardedRelay;
import io.turnrelay.core.spi.UdpTurnClient;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole relay path (NIO transport, RelayLoop, TurnServer) allocates nothing per relayed ChannelData
 * packet in steady state, in either direction: measured on the relay's loop thread with real sockets.
 */
class NioRelayAllocationTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void relayingChannelDataBothWaysAllocatesNothingPerPacketOnTheLoopThread() throws Exception {
        int listenPort = LoopbackPorts.freePort();
        RelayConfig config = LoopbackRelayConfig.builder(listenPort, 50, Map.of("alice", "wonderland")).build();
        try (ShardedRelay relay = new ShardedRelay(config, new NioTransportProvider(), null);
                UdpTurnClient client = new UdpTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), "alice", "wonderland");
                DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
            relay.start();
            InetSocketAddress relayed = client.allocate().get(0);
            client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
            peer.setSoTimeout(5_000);
            long loopThread = threadNamed("turnrelay-nio-0");
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

            byte[] payload = new byte[160];
            DatagramPacket atPeer = new DatagramPacket(new byte[2048], 2048);
            DatagramPacket reply = new DatagramPacket(payload, payload.length, relayed);
            roundTrips(client, peer, payload, atPeer, reply, 3_000); // warm-up: JIT, address caches
            long before = threads.getThreadAllocatedBytes(loopThread);
            int count = 5_000;
            roundTrips(client, peer, payload, atPeer, reply, count);
            long allocated = threads.getThreadAllocatedBytes(loopThread) - before;

            assertThat(relay.stats().packetsClientToPeer()).isEqualTo(8_000);
            assertThat(relay.stats().packetsPeerToClient()).isEqualTo(8_000);
            // 10,000 relayed packets; an occasional selector wake-up may allocate a few bytes, a packet never.
            assertThat(allocated / (2 * count)).as("bytes per relayed packet (total %d)", allocated).isZero();
        }
    }

    private static void roundTrips(UdpTurnClient client, DatagramSocket peer, byte[] payload, DatagramPacket atPeer,
            DatagramPacket reply, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            client.sendChannelData(0x4000, payload);
            peer.receive(atPeer);
            peer.send(reply);
            assertThat(client.receiveData(5_000)).as("channel data back, round trip %d", i).isNotNull();
        }
    }

    private static long threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name))
                .getId();
    }
}
