package io.turnrelay.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do, over real loopback sockets (UDP, TCP and TLS), with a sink that records
 * (and optionally echoes) what arrives. Each transport module runs it by extending this class.
 */
public abstract class TransportContractTest {
    private static final InetAddress LOOPBACK4 = InetAddress.getLoopbackAddress();
    private static final int TIMEOUT_MS = 5_000;
    /** Short stream timeouts, so the tests of them take seconds. */
    private static final StreamSettings QUICK = StreamSettings.defaults()
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1));

    protected final Transport transport = newTransport();

    /** A new, unstarted transport of the kind under test. */
    protected abstract Transport newTransport();

    /** A delivery the sink saw. */
    public sealed interface Event {}

    public record Message(ClientLink link, byte[] bytes, int offset) implements Event {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    public record PeerDatagram(int relayPort, InetSocketAddress peer, String text, int offset) implements Event {}

    public record Accepted(ClientTransport transport, InetSocketAddress remote) implements Event {}

    public record Connected(ClientLink link) implements Event {}

    public record Closed(@Nullable ClientLink link, ClientTransport transport, InetSocketAddress remote, CloseReason reason) implements Event {}

    /** What the sink does with a peer datagram's payload, e.g. send it on as ChannelData. */
    @FunctionalInterface
    protected interface Forward {
        void apply(int relayPort, InetSocketAddress peer, ByteBuffer buffer, int offset, int length);
    }

    /** Records what arrives; echoes client messages and peer datagrams back where they came from when {@code echo} is set. */
    protected final class RecordingSink implements RelaySink {
        public final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        public volatile boolean echo;
        public volatile boolean record = true;
        public volatile boolean refuse;
        public volatile @Nullable Forward forward;
        volatile long deadline = Long.MAX_VALUE;
        final CountDownLatch timedOut = new CountDownLatch(1);

        @Override
        public void onClientMessage(ClientLink client, ByteBuffer buffer, int offset, int length, long nowNanos) {
            if (record) {
                byte[] copy = new byte[length];
                buffer.get(offset, copy);
                events.add(new Message(client, copy, offset));
            }
            if (echo) {
                transport.sendToClient(client, buffer, offset, length);
            }
        }

        @Override
        public void onPeerDatagram(int relayPort, InetSocketAddress peer, ByteBuffer buffer, int offset, int length, long nowNanos) {
            Forward action = forward;
            if (action != null) {
                action.apply(relayPort, peer, buffer, offset, length);
                return;
            }
            byte[] copy = new byte[length];
            buffer.get(offset, copy);
            events.add(new PeerDatagram(relayPort, peer, new String(copy, StandardCharsets.UTF_8), offset));
            if (echo) {
                transport.sendToPeer(relayPort, buffer, offset, length, peer);
            }
        }

        @Override
        public boolean onConnectionAccepted(ClientTransport kind, InetSocketAddress remote, long nowNanos) {
            events.add(new Accepted(kind, remote));
            return !refuse;
        }

        @Override
        public void onClientConnected(ClientLink client, long nowNanos) {
            events.add(new Connected(client));
        }

        @Override
        public void onConnectionClosed(@Nullable ClientLink client, ClientTransport kind, InetSocketAddress remote, CloseReason reason,
                long nowNanos) {
            events.add(new Closed(client, kind, remote, reason));
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

        /** The next event of {@code type}, skipping others; fails after the timeout. */
        public <E extends Event> E next(Class<E> type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            while (true) {
                Event event = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " within " + TIMEOUT_MS + " ms");
                }
                if (type.isInstance(event)) {
                    return type.cast(event);
                }
            }
        }
    }

    protected final RecordingSink sink = new RecordingSink();

    @AfterEach
    void closeTransport() {
        transport.close();
    }

    protected int startOnFreeListenPort() throws IOException {
        int port = LoopbackPorts.freePort();
        transport.listen(ClientListener.of(ClientTransport.UDP, LOOPBACK4, port), ListenOptions.defaults());
        transport.start(sink);
        return port;
    }

    /** A started transport with a listener of {@code kind} on a free loopback port; returns the port. */
    protected int startStream(ClientTransport kind, boolean detectTls, StreamSettings settings) throws IOException {
        int port = LoopbackPorts.freeTcpPort();
        transport.listen(new ClientListener(kind, new InetSocketAddress(LOOPBACK4, port), detectTls),
                new ListenOptions(false, settings, credentials()));
        transport.start(sink);
        return port;
    }

    private static TlsCredentials credentials() {
        return TestTls.credentials();
    }

    private static TestCertificates.Leaf leaf() {
        return TestTls.leaf();
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

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(LOOPBACK4, port);
        socket.setSoTimeout(TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static SSLSocket connectTls(int port, String... protocols) throws IOException {
        SSLContext context = leaf().clientContextTrustingCa();
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(LOOPBACK4, port);
        socket.setSoTimeout(TIMEOUT_MS);
        if (protocols.length > 0) {
            socket.setEnabledProtocols(protocols);
        }
        socket.startHandshake();
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

    /** A STUN Binding request with {@code attributeBytes} of padding-attribute body, as a stream frame. */
    protected static byte[] stunFrame(int attributeBytes, int seed) {
        int body = attributeBytes == 0 ? 0 : 4 + ((attributeBytes + 3) & ~3);
        ByteBuffer frame = ByteBuffer.allocate(20 + body);
        frame.putShort((short) 0x0001).putShort((short) body).putInt(0x2112A442);
        for (int i = 0; i < 12; i++) {
            frame.put((byte) (seed + i));
        }
        if (attributeBytes > 0) {
            frame.putShort((short) 0x8022).putShort((short) attributeBytes); // SOFTWARE, comprehension-optional
            for (int i = 0; i < attributeBytes; i++) {
                frame.put((byte) ('a' + (seed + i) % 26));
            }
        }
        return frame.array();
    }

    /** A ChannelData frame with its stream padding. */
    protected static byte[] channelDataFrame(int channel, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(StreamFraming.paddedChannelDataLength(payload.length));
        frame.putShort((short) channel).putShort((short) payload.length).put(payload);
        return frame.array();
    }

    private static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        assertThat(bytes).as("bytes from the transport").hasSize(length);
        return bytes;
    }

    /** Whether the server side closed: the next read ends the stream (or resets it) within the timeout. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(TIMEOUT_MS);
        return StreamEnds.endedByPeer(socket);
    }

    // ------------------------------------------------------------------------------------------------
    // UDP

    @Test
    void deliversListenDatagramsWithTheSendersLinkAndHeadroom() throws Exception {
        int listenPort = startOnFreeListenPort();
        try (DatagramSocket client = client()) {
            send(client, "hello", LOOPBACK4, listenPort);
            send(client, "again", LOOPBACK4, listenPort);
            Message first = sink.next(Message.class);
            Message second = sink.next(Message.class);
            assertThat(first.text()).isEqualTo("hello");
            assertThat(first.link().transport()).isEqualTo(ClientTransport.UDP);
            assertThat(first.link().remote()).isEqualTo(client.getLocalSocketAddress());
            assertThat(first.link().local().getPort()).isEqualTo(listenPort);
            // Room for a ChannelData header in front of the datagram, and the same link object for the same sender.
            assertThat(first.offset()).isGreaterThanOrEqualTo(4);
            assertThat(second.link()).isSameAs(first.link());
        }
    }

    @Test
    void sendsFromTheSocketOfTheGivenRelayPortAndRepliesFromTheListener() throws Exception {
        int listenPort = startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        sink.echo = true;
        try (DatagramSocket peer = client(); DatagramSocket client = client()) {
            send(peer, "to-relay", LOOPBACK4, relayPort);
            DatagramPacket echoed = receive(peer);
            assertThat(echoed.getPort()).isEqualTo(relayPort);
            assertThat(new String(echoed.getData(), 0, echoed.getLength(), StandardCharsets.UTF_8)).isEqualTo("to-relay");
            PeerDatagram atRelay = sink.next(PeerDatagram.class);
            assertThat(atRelay.relayPort()).isEqualTo(relayPort);
            assertThat(atRelay.peer()).isEqualTo(peer.getLocalSocketAddress());

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
    void channelDataToAUdpClientIsTheHeaderAndThePayloadUnpadded() throws Exception {
        int listenPort = startOnFreeListenPort();
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        try (DatagramSocket peer = client(); DatagramSocket clientSocket = client()) {
            send(clientSocket, "hello", LOOPBACK4, listenPort);
            ClientLink link = sink.next(Message.class).link();
            sink.forward = (port, from, buffer, offset, length) -> transport.sendChannelData(link, 0x4001, buffer, offset, length);
            send(peer, "payload", LOOPBACK4, relayPort);
            DatagramPacket frame = receive(clientSocket);
            assertThat(frame.getPort()).isEqualTo(listenPort);
            byte[] bytes = Arrays.copyOf(frame.getData(), frame.getLength());
            assertThat(bytes).hasSize(4 + 7).startsWith(0x40, 0x01, 0x00, 0x07);
            assertThat(new String(bytes, 4, 7, StandardCharsets.UTF_8)).isEqualTo("payload");
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
        boolean sent = onLoop(() -> transport.sendToPeer(unbound, ByteBuffer.allocate(4), 0, 4, new InetSocketAddress(LOOPBACK4, unbound)));
        assertThat(sent).isFalse();
        assertThat(transport.sendDrops()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------------
    // TCP and TLS

    @Test
    void aTcpConnectionIsAcceptedThenConnectedAsALinkOfItsOwn() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            Accepted accepted = sink.next(Accepted.class);
            assertThat(accepted.transport()).isEqualTo(ClientTransport.TCP);
            assertThat(accepted.remote()).isEqualTo(client.getLocalSocketAddress());
            ClientLink link = sink.next(Connected.class).link();
            assertThat(link.transport()).isEqualTo(ClientTransport.TCP);
            assertThat(link.remote()).isEqualTo(client.getLocalSocketAddress());
            assertThat(link.local()).isEqualTo(new InetSocketAddress(LOOPBACK4, port));
            assertThat(link.isStream()).isTrue();
        }
    }

    @Test
    void framesCutIntoAnyPiecesArriveWholeAndInOrder() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        byte[] stun = stunFrame(33, 1);
        byte[] big = stunFrame(3_000, 2);
        byte[] data = channelDataFrame(0x4000, "xyz".getBytes(StandardCharsets.UTF_8));
        byte[] stream = concat(stun, data, big, data);
        try (Socket client = connect(port)) {
            ClientLink link = sink.next(Connected.class).link();
            // One byte at a time for the first frames, then the rest at once.
            for (int i = 0; i < stun.length + 3; i++) {
                client.getOutputStream().write(stream[i]);
                client.getOutputStream().flush();
            }
            client.getOutputStream().write(stream, stun.length + 3, stream.length - stun.length - 3);
            client.getOutputStream().flush();
            for (byte[] expected : new byte[][] {stun, data, big, data}) {
                Message message = sink.next(Message.class);
                assertThat(message.link()).isEqualTo(link);
                assertThat(message.bytes()).isEqualTo(expected);
            }
        }
    }

    @Test
    void channelDataToAStreamClientIsPaddedToAMultipleOfFour() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        int relayPort = LoopbackPorts.freePort();
        assertThat(onLoop(() -> transport.bindRelay(relayPort, AddressFamily.IPV4, LOOPBACK4))).isTrue();
        try (Socket client = connect(port); DatagramSocket peer = client()) {
            ClientLink link = sink.next(Connected.class).link();
            sink.forward = (relay, from, buffer, offset, length) -> transport.sendChannelData(link, 0x4002, buffer, offset, length);
            send(peer, "payload", LOOPBACK4, relayPort);
            send(peer, "four", LOOPBACK4, relayPort);
            InputStream in = client.getInputStream();
            assertThat(readExactly(in, 12)).isEqualTo(channelDataFrame(0x4002, "payload".getBytes(StandardCharsets.UTF_8)));
            assertThat(readExactly(in, 8)).isEqualTo(channelDataFrame(0x4002, "four".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void responsesGoBackOnTheConnection() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        sink.echo = true;
        byte[] request = stunFrame(10, 7);
        try (Socket client = connect(port)) {
            client.getOutputStream().write(request);
            assertThat(readExactly(client.getInputStream(), request.length)).isEqualTo(request);
        }
    }

    @Test
    void aClientThatClosesIsReportedOnceWithItsLink() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        Socket client = connect(port);
        ClientLink link = sink.next(Connected.class).link();
        client.close();
        Closed closed = sink.next(Closed.class);
        assertThat(closed.link()).isEqualTo(link);
        assertThat(closed.transport()).isEqualTo(ClientTransport.TCP);
        assertThat(closed.reason()).isIn(CloseReason.CLIENT_CLOSED, CloseReason.RESET);
        assertThat(onLoop(() -> transport.sendToClient(link, ByteBuffer.wrap(stunFrame(0, 1)), 0, 20))).isFalse();
        assertThat(sink.events.stream().filter(Closed.class::isInstance)).isEmpty();
    }

    @Test
    void bytesThatAreNeitherStunNorChannelDataCloseTheConnection() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            sink.next(Connected.class);
            client.getOutputStream().write(stunFrame(4, 1));
            client.getOutputStream().write(new byte[] {(byte) 0x80, 1, 2, 3});
            assertThat(sink.next(Message.class).bytes()).hasSize(28);
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.INVALID_FRAME);
            assertThat(closedByServer(client)).isTrue();
        }
    }

    @Test
    void aStunHeaderWithoutTheMagicCookieClosesTheConnection() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            sink.next(Connected.class);
            byte[] request = stunFrame(0, 1);
            request[4] = 0x21;
            request[5] = 0x13;
            client.getOutputStream().write(request);
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.INVALID_FRAME);
        }
    }

    @Test
    void closeClientClosesTheConnectionAndReportsTheReasonGiven() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            ClientLink link = sink.next(Connected.class).link();
            onLoop(() -> {
                transport.closeClient(link, CloseReason.NO_ALLOCATION);
                return null;
            });
            Closed closed = sink.next(Closed.class);
            assertThat(closed.link()).isEqualTo(link);
            assertThat(closed.reason()).isEqualTo(CloseReason.NO_ALLOCATION);
            assertThat(closedByServer(client)).isTrue();
        }
    }

    @Test
    void aConnectionTheSinkRefusesIsClosedAtOnceAndNeverConnected() throws Exception {
        sink.refuse = true;
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            sink.next(Accepted.class);
            assertThat(closedByServer(client)).isTrue();
            assertThat(sink.events.stream().filter(e -> e instanceof Connected || e instanceof Closed)).isEmpty();
        }
    }

    @Test
    void anIncompleteFrameHeldTooLongClosesTheConnection() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            sink.next(Connected.class);
            client.getOutputStream().write(Arrays.copyOf(stunFrame(40, 1), 30));
            long start = System.nanoTime();
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.PARTIAL_FRAME_TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void aFullSendQueueDropsRelayedFramesWholeButClosesTheConnectionForAResponse() throws Exception {
        StreamSettings small = QUICK.withSendQueueBytes(StreamSettings.MIN_SEND_QUEUE_BYTES)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30));
        int port = startStream(ClientTransport.TCP, false, small);
        try (Socket client = connect(port)) {
            client.setReceiveBufferSize(4096);
            ClientLink link = sink.next(Connected.class).link();
            ByteBuffer payload = ByteBuffer.allocate(8 + 60_000);
            // The client reads nothing: the kernel's buffers fill, then the queue, then relayed frames are dropped.
            long dropped = onLoop(() -> {
                for (int i = 0; i < 2_000 && transport.queueDrops(ClientTransport.TCP) == 0; i++) {
                    transport.sendChannelData(link, 0x4000, payload, 8, 60_000);
                }
                return transport.queueDrops(ClientTransport.TCP);
            });
            assertThat(dropped).isPositive();
            assertThat(transport.sendDrops()).isGreaterThanOrEqualTo(dropped);
            assertThat(sink.events.stream().filter(Closed.class::isInstance)).isEmpty();
            byte[] response = new byte[StreamFraming.MAX_FRAME];
            onLoop(() -> transport.sendToClient(link, ByteBuffer.wrap(response), 0, response.length));
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.SEND_QUEUE_FULL);
        }
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheSendStallTimeout() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            client.setReceiveBufferSize(4096);
            ClientLink link = sink.next(Connected.class).link();
            ByteBuffer payload = ByteBuffer.allocate(8 + 60_000);
            onLoop(() -> {
                for (int i = 0; i < 200; i++) {
                    transport.sendChannelData(link, 0x4000, payload, 8, 60_000);
                }
                return null;
            });
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.SEND_STALLED);
        }
    }

    @Test
    void tlsClientsHandshakeWithTls13Or12AndExchangeFrames() throws Exception {
        int port = startStream(ClientTransport.TLS, false, QUICK);
        sink.echo = true;
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            try (SSLSocket client = connectTls(port, protocol)) {
                assertThat(client.getSession().getProtocol()).isEqualTo(protocol);
                X509Certificate presented = (X509Certificate) client.getSession().getPeerCertificates()[0];
                assertThat(presented).isEqualTo(leaf().certificate());
                ClientLink link = sink.next(Connected.class).link();
                assertThat(link.transport()).isEqualTo(ClientTransport.TLS);
                byte[] request = stunFrame(500, 3);
                byte[] data = channelDataFrame(0x4001, new byte[] {1, 2, 3, 4, 5});
                client.getOutputStream().write(concat(request, data));
                client.getOutputStream().flush();
                assertThat(sink.next(Message.class).bytes()).isEqualTo(request);
                assertThat(sink.next(Message.class).bytes()).isEqualTo(data);
                assertThat(readExactly(client.getInputStream(), request.length)).isEqualTo(request);
            }
            assertThat(sink.next(Closed.class).reason()).isIn(CloseReason.CLIENT_CLOSED, CloseReason.RESET);
        }
    }

    @Test
    void aTls11ClientHelloIsRefused() throws Exception {
        int port = startStream(ClientTransport.TLS, false, QUICK);
        // Written by hand: this JDK's own client will not offer TLS 1.1 (and enabling it would change a global setting).
        try (Socket client = connect(port)) {
            client.getOutputStream().write(tls11ClientHello());
            client.getOutputStream().flush();
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.TLS_FAILURE);
            assertThat(closedByServer(client)).isTrue();
        }
    }

    /** A ClientHello that offers TLS 1.1 only (record and hello version 3.2), AES-128-CBC-SHA, no extensions. */
    private static byte[] tls11ClientHello() {
        ByteBuffer hello = ByteBuffer.allocate(5 + 4 + 2 + 32 + 1 + 4 + 2);
        hello.put((byte) 0x16).putShort((short) 0x0302).putShort((short) (4 + 2 + 32 + 1 + 4 + 2));
        hello.put((byte) 1).put((byte) 0).putShort((short) (2 + 32 + 1 + 4 + 2));
        hello.putShort((short) 0x0302);
        for (int i = 0; i < 32; i++) {
            hello.put((byte) i);
        }
        hello.put((byte) 0); // no session id
        hello.putShort((short) 2).putShort((short) 0x002F);
        hello.put((byte) 1).put((byte) 0); // compression: null
        return hello.array();
    }

    @Test
    void aTlsHandshakeThatNeverStartsIsClosedAtItsTimeout() throws Exception {
        int port = startStream(ClientTransport.TLS, false, QUICK);
        try (Socket client = connect(port)) {
            assertThat(sink.next(Connected.class).link().transport()).isEqualTo(ClientTransport.TLS);
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.TLS_HANDSHAKE_TIMEOUT);
            assertThat(closedByServer(client)).isTrue();
        }
    }

    @Test
    void aListenerThatDetectsTlsServesTlsAndPlainClientsOnOnePort() throws Exception {
        int port = startStream(ClientTransport.TCP, true, QUICK);
        sink.echo = true;
        byte[] request = stunFrame(8, 9);
        try (Socket plain = connect(port)) {
            assertThat(sink.next(Accepted.class).transport()).isEqualTo(ClientTransport.TCP);
            plain.getOutputStream().write(request);
            assertThat(sink.next(Connected.class).link().transport()).isEqualTo(ClientTransport.TCP);
            assertThat(readExactly(plain.getInputStream(), request.length)).isEqualTo(request);
        }
        try (SSLSocket tls = connectTls(port)) {
            tls.getOutputStream().write(request);
            tls.getOutputStream().flush();
            assertThat(sink.next(Connected.class).link().transport()).isEqualTo(ClientTransport.TLS);
            assertThat(readExactly(tls.getInputStream(), request.length)).isEqualTo(request);
        }
    }

    @Test
    void aReloadedCertificateServesNewHandshakesWhileOpenConnectionsGoOn() throws Exception {
        Path directory = Files.createTempDirectory("turnrelay-reload");
        Path chain = directory.resolve("chain.pem");
        Path key = directory.resolve("key.pem");
        Files.copy(leaf().chainPem(), chain);
        Files.copy(leaf().keyPem(), key);
        TlsCredentials credentials = TlsCredentials.fromPem(chain, key);
        int port = LoopbackPorts.freeTcpPort();
        transport.listen(ClientListener.of(ClientTransport.TLS, LOOPBACK4, port), new ListenOptions(false, QUICK, credentials));
        transport.start(sink);
        sink.echo = true;
        byte[] request = stunFrame(4, 5);
        try (SSLSocket before = connectTls(port)) {
            TestCertificates.Leaf renewed = leaf().ca().issue(directory.resolve("renewed"));
            Files.copy(renewed.chainPem(), chain, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
            assertThat(credentials.reload().status()).isEqualTo(io.turnrelay.api.tls.ReloadResult.Status.RELOADED);
            try (SSLSocket after = connectTls(port)) {
                assertThat(after.getSession().getPeerCertificates()[0]).isEqualTo(renewed.certificate());
                after.getOutputStream().write(request);
                after.getOutputStream().flush();
                assertThat(readExactly(after.getInputStream(), request.length)).isEqualTo(request);
            }
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(leaf().certificate());
            before.getOutputStream().write(request);
            before.getOutputStream().flush();
            assertThat(readExactly(before.getInputStream(), request.length)).isEqualTo(request);
        }
    }

    @Test
    void closeEndsEveryConnectionAndReleasesTheTcpPort() throws Exception {
        int port = startStream(ClientTransport.TCP, false, QUICK);
        try (Socket client = connect(port)) {
            sink.next(Connected.class);
            transport.close();
            assertThat(sink.next(Closed.class).reason()).isEqualTo(CloseReason.SHUTDOWN);
            assertThat(closedByServer(client)).isTrue();
        }
        LoopbackPorts.assertTcpBindableWithinTimeout(new InetSocketAddress(LOOPBACK4, port));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer all = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
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
