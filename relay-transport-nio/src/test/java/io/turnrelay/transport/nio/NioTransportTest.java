package io.turnrelay.transport.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportContractTest;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class NioTransportTest extends TransportContractTest {

    @Override
    protected Transport newTransport() {
        return new NioTransport("test");
    }

    @Test
    void steadyStateReceiveAndSendAllocateNothingPerPacket() throws Exception {
        int listenPort = startOnFreeListenPort();
        sink.record = false;
        sink.echo = true;
        long loopThreadId = onLoop(() -> Thread.currentThread().getId());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DatagramSocket client = client()) {
            byte[] payload = new byte[100];
            DatagramPacket out = new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), listenPort);
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            pingPong(client, out, in, 2_000); // warm up: JIT, address caches
            long before = threads.getThreadAllocatedBytes(loopThreadId);
            int packets = 5_000;
            pingPong(client, out, in, packets);
            long allocated = threads.getThreadAllocatedBytes(loopThreadId) - before;
            // Selector wake-ups may allocate a little now and then; per packet it must be ~0.
            assertThat(allocated / packets).as("bytes allocated per packet on the loop thread (total %d)", allocated).isLessThan(8);
        }
    }

}
