package io.turnrelay.transport.netty;

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
 * What relaying costs in garbage on the Netty transport with native epoll, measured on the relay's loop thread
 * with real sockets. RelayLoop and TurnServer allocate nothing (NioRelayAllocationTest shows the whole path at 0);
 * what is left is what Netty's read API creates for every datagram: the DatagramPacket, a slice of the receive
 * buffer and the sender's InetSocketAddress, plus the address bytes its sendto builds. Payloads are neither
 * copied into new buffers nor queued, so the bound below stays far under one payload's size.
 */
class NettyRelayAllocationTest {
    /** Netty's per-datagram objects (packet, slice, sender address) and sendto's address arrays. */
    private static final long MAX_BYTES_PER_PACKET = 256;

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void relayingChannelDataBothWaysAllocatesOnlyNettysPerDatagramObjects() throws Exception {
        int listenPort = LoopbackPorts.freePort();
        RelayConfig config = LoopbackRelayConfig.builder(listenPort, 50, Map.of("alice", "wonderland")).build();
        try (ShardedRelay relay = new ShardedRelay(config, new NettyTransportProvider(), null);
                UdpTurnClient client = new UdpTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), "alice", "wonderland");
                DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
            relay.start();
            InetSocketAddress relayed = client.allocate().get(0);
            client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
            peer.setSoTimeout(5_000);
            long loopThread = threadNamed("turnrelay-netty-0-");
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
            long perPacket = allocated / (2 * count);
            System.out.println("Netty relay: " + perPacket + " bytes allocated per relayed packet on the loop thread");
            assertThat(perPacket).as("bytes per relayed packet (total %d)", allocated).isLessThanOrEqualTo(MAX_BYTES_PER_PACKET);
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

    private static long threadNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + prefix))
                .getId();
    }
}
