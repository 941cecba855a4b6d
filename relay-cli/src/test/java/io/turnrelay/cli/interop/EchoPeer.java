package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.spi.LoopbackPorts;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * coturn's {@code turnutils_peer} on both loopback addresses, the peer uclient's relayed data goes to: it echoes every
 * datagram back. {@link #start} returns once it echoes on both.
 */
final class EchoPeer implements AutoCloseable {
    final int port;
    private final ExternalProcess process;

    private EchoPeer(int port, ExternalProcess process) {
        this.port = port;
        this.process = process;
    }

    static EchoPeer start() throws IOException {
        int port = LoopbackPorts.freePort();
        // Bounded so a crashed test run cannot leave it behind.
        ExternalProcess process = ExternalProcess.start(List.of("timeout", "900", "turnutils_peer", "-p", Integer.toString(port), "-L", "127.0.0.1", "-L", "::1"));
        EchoPeer peer = new EchoPeer(port, process);
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (String host : TurnServerUnderTest.HOSTS) {
            assertThat(peer.awaitEcho(host, deadline)).as("turnutils_peer on %s port %d:%n%s", host, port, process.output()).isTrue();
        }
        return peer;
    }

    private boolean awaitEcho(String host, long deadlineNanos) throws IOException {
        byte[] probe = "turnrelay echo probe".getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(host), port);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(target.getAddress(), 0))) {
            socket.setSoTimeout(200);
            while (System.nanoTime() < deadlineNanos && process.isAlive()) {
                socket.send(new DatagramPacket(probe, probe.length, target));
                DatagramPacket echo = new DatagramPacket(new byte[64], 64);
                try {
                    socket.receive(echo);
                    if (Arrays.equals(probe, Arrays.copyOf(echo.getData(), echo.getLength()))) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // not bound yet: ask again
                }
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        process.close();
    }
}
