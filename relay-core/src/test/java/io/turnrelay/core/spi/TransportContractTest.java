package io.turnrelay.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do, over real loopback UDP sockets, with a sink that records (and
 * optionally echoes) datagrams. Each transport module runs it by extending this class.
 */
public abstract class TransportContractTest {
    private static final InetAddress LOOPBACK4 = InetAddress.getLoopbackAddress();
    private static final int TIMEOUT_MS = 5_000;

    protected final Transport transport = newTransport();

    /** A new, unstarted transport of the kind under test. */
    protected abstract Transport newTransport();

    /** What the sink does with a datagram's payload, e.g. send it on as ChannelData. */
    @FunctionalInterface
    protected interface Forward {
        void apply(ByteBuffer buffer, int offset, int length);
    }

    /** A received datagram as the sink saw it. */
    public record Received(int localPort, String text, InetSocketAddress sender, int offset) {}

    /** Records datagrams; echoes each one back from the port it arrived on when {@code echo} is set. */
    protected final class RecordingSink implements DatagramSink {
        public final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        public volatile boolean echo;
        public volatile @Nullable Forward forward;
        public volatile boolean record = true;
        volatile long deadline = Long.MAX_VALUE;
        final CountDownLatch timedOut = new CountDownLatch(1);

        @Override
        public void onDatagram(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress sender, long nowNanos) {
            if (record) {
                byte[] copy = new byte[length];
                buffer.get(offset, copy);
                received.add(new Received(localPort, new String(copy, StandardCharsets.UTF_8), sender, offset));
            }
            if (echo) {
                transport.send(localPort, buffer, offset, length, sender);
            }
            Forward action = forward;
            if (action != null) {
                action.apply(buffer, offset, length);
            }
        }

        @Override
        public void onTimeout(long nowNanos) {
            deadline = Long.MAX_VALUE;
            timedOut.countDown();
        }

        @Override
        public long nextDeadlineNanos() {
            return deadline;
        }
    }

    protected final RecordingSink sink = new RecordingSink();

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    protected int startOnFreeListenPort() throws IOException {
        int port = LoopbackPorts.freePort();
        transport.bindListen(new InetSocketAddress(LOOPBACK4, port), false);
        transport.start(sink);
        return port;
    }

    protected <T> T onLoop(Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        transport.execute(() -> result.complete(action.get()));
        return result.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    protected static DatagramSocket client() throws IOException {
        DatagramSocket socket = new DatagramSocket(0, LOOPBACK4);
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    private static void send(DatagramSocket from, String text, InetAddress to, int port) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        from.send(new DatagramPacket(bytes, bytes.length, to, port));
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet);
        return packet;
    }

    @Test
    void deliversListenDatagramsWithPortSenderAndHeadroom() throws Exception {
        int listenPort = startOnFreeListenPort();
        try (DatagramSocket client = client()) {
            send(client, "hello", LOOPBACK4, listenPort);
            Received received = sink.received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(received).isNotNull();
            assertThat(received.localPort()).isEqualTo(listenPort);
            assertThat(received.text()).isEqualTo("hello");
            assertThat(received.sender()).isEqualTo(client.getLocalSocketAddress());
        }
    }

    @Test
    void sendsFromTheSocketOfTheGivenLocalPort() throws Exception {
        int listenPort = startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        sink.echo = true;
        try (DatagramSocket peer = client(); DatagramSocket client = client()) {
            send(peer, "to-relay", LOOPBACK4, relayPort);
            DatagramPacket echoed = receive(peer);
            assertThat(echoed.getPort()).isEqualTo(relayPort);
            assertThat(new String(echoed.getData(), 0, echoed.getLength(), StandardCharsets.UTF_8)).isEqualTo("to-relay");
            Received atRelay = sink.received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(atRelay.localPort()).isEqualTo(relayPort);

            send(client, "to-listen", LOOPBACK4, listenPort);
            assertThat(receive(client).getPort()).isEqualTo(listenPort);
        }
    }

    @Test
    void aPortHeldByAnotherSocketIsRefusedAndTheRestKeepsWorking() throws Exception {
        int listenPort = startOnFreeListenPort();
        sink.echo = true;
        try (DatagramSocket squatter = new DatagramSocket(0, LOOPBACK4); DatagramSocket client = client()) {
            int taken = squatter.getLocalPort();
            assertThat(onLoop(() -> transport.bindRelay(taken, AddressFamily.IPV4, LOOPBACK4))).isFalse();
            send(client, "still-here", LOOPBACK4, listenPort);
            assertThat(receive(client).getLength()).isEqualTo("still-here".length());
        }
    }

    @Test
    void bindingTheSameRelayPortAndFamilyTwiceIsRefused() throws Exception {
        startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isFalse();
    }

    @Test
    void closingARelayPortReleasesItToOtherProcesses() throws Exception {
        startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        onLoop(() -> {
            transport.closeRelay(relayPort, AddressFamily.IPV4);
            return null;
        });
        LoopbackPorts.assertBindableWithinTimeout(new InetSocketAddress(LOOPBACK4, relayPort));
    }

    @Test
    void wildcardBindsOfBothFamiliesShareOneDualStackSocket() throws Exception {
        startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        InetAddress any4 = InetAddress.getByName("0.0.0.0");
        InetAddress any6 = InetAddress.getByName("::");
        InetAddress loopback6 = InetAddress.getByName("::1");
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, any4))).isTrue();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV6, any6))).isTrue();
        sink.echo = true;
        try (DatagramSocket peer4 = client(); DatagramSocket peer6 = new DatagramSocket(0, loopback6)) {
            peer6.setSoTimeout(TIMEOUT_MS);
            send(peer4, "v4", LOOPBACK4, relayPort);
            send(peer6, "v6", loopback6, relayPort);
            assertThat(receive(peer4).getPort()).isEqualTo(relayPort);
            assertThat(receive(peer6).getPort()).isEqualTo(relayPort);
        }
        // Closing one family keeps the other; closing both frees the port.
        onLoop(() -> {
            transport.closeRelay(relayPort, AddressFamily.IPV6);
            return null;
        });
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, any4))).isFalse();
        onLoop(() -> {
            transport.closeRelay(relayPort, AddressFamily.IPV4);
            return null;
        });
        LoopbackPorts.assertBindableWithinTimeout(new InetSocketAddress(any4, relayPort));
    }

    @Test
    void channelDataFramesTheDeliveredPayloadWithAHeader() throws Exception {
        int listenPort = startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        InetSocketAddress[] client = new InetSocketAddress[1];
        try (DatagramSocket peer = client(); DatagramSocket clientSocket = client()) {
            client[0] = (InetSocketAddress) clientSocket.getLocalSocketAddress();
            sink.record = false;
            sink.forward = (buffer, offset, length) ->
                    transport.sendChannelData(listenPort, 0x4001, buffer, offset, length, client[0]);
            send(peer, "payload", LOOPBACK4, relayPort);
            DatagramPacket frame = receive(clientSocket);
            assertThat(frame.getPort()).isEqualTo(listenPort);
            byte[] bytes = java.util.Arrays.copyOf(frame.getData(), frame.getLength());
            assertThat(bytes).startsWith(0x40, 0x01, 0x00, 0x07);
            assertThat(new String(bytes, 4, bytes.length - 4, StandardCharsets.UTF_8)).isEqualTo("payload");
        }
    }

    @Test
    void wakesTheSinkAtItsDeadline() throws Exception {
        startOnFreeListenPort();
        onLoop(() -> {
            sink.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            return null;
        });
        assertThat(sink.timedOut.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void closeReleasesTheListenPort() throws Exception {
        int listenPort = startOnFreeListenPort();
        transport.close();
        LoopbackPorts.assertBindableWithinTimeout(new InetSocketAddress(LOOPBACK4, listenPort));
    }

    @Test
    void sendingToAPortWithoutSocketIsADropNotAnError() throws Exception {
        startOnFreeListenPort();
        int unbound = LoopbackPorts.freePort();
        boolean sent = onLoop(() -> transport.send(unbound, ByteBuffer.allocate(4), 0, 4, new InetSocketAddress(LOOPBACK4, unbound)));
        assertThat(sent).isFalse();
        assertThat(transport.sendDrops()).isEqualTo(1);
    }

    protected static void pingPong(DatagramSocket client, DatagramPacket out, DatagramPacket in, int count) throws IOException {
        AtomicLong lost = new AtomicLong();
        for (int i = 0; i < count; i++) {
            client.send(out);
            try {
                client.receive(in);
            } catch (SocketTimeoutException e) {
                lost.incrementAndGet();
            }
        }
        assertThat(lost.get()).isZero();
    }
}
