package io.turnrelay.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.tls.ReloadResult;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.relay.ShardedRelay;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a running relay does with TCP and TLS clients beyond the TURN scenarios every transport runs: connection
 * lifetimes, the defences of RFC 8656 §21 and flow control, over real loopback connections on the transport under
 * test. Each transport module extends it.
 */
public abstract class StreamConformanceTest {
    private static final InetAddress LOOPBACK4 = address("127.0.0.1");
    private static final int WAIT_MS = 5_000;
    private static final String USER = "alice";
    private static final String PASSWORD = "wonderland";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private @Nullable ShardedRelay relay;
    private int listenPort;
    private int tlsPort;

    /** The transport under test. */
    protected abstract TransportProvider provider();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private ShardedRelay startRelay(UnaryOperator<StreamSettings> streams, @Nullable TlsCredentials tls) throws Exception {
        listenPort = LoopbackPorts.freeUdpAndTcpPort();
        tlsPort = LoopbackPorts.freeTcpPort();
        RelayConfig.Builder builder = LoopbackRelayConfig.builder(listenPort, 50, Map.of(USER, PASSWORD))
                .streams(streams.apply(StreamSettings.defaults()));
        if (tls != null) {
            builder.tls(tls).tlsListenPorts(List.of(tlsPort));
        }
        ShardedRelay started = new ShardedRelay(builder.build(), provider(), null);
        relay = started;
        started.start();
        return started;
    }

    private ShardedRelay relay() {
        ShardedRelay running = relay;
        if (running == null) {
            throw new IllegalStateException("no relay started");
        }
        return running;
    }

    private SocketTurnClient tcpClient(InetAddress source) throws IOException {
        SocketTurnClient client = SocketTurnClient.tcp(source, new InetSocketAddress(LOOPBACK4, listenPort), USER, PASSWORD);
        resources.add(client);
        return client;
    }

    private SocketTurnClient tlsClient(TestCertificates.Leaf trusted) throws IOException {
        SocketTurnClient client = SocketTurnClient.tls(LOOPBACK4, new InetSocketAddress(LOOPBACK4, tlsPort), USER, PASSWORD,
                trusted.clientContextTrustingCa());
        resources.add(client);
        return client;
    }

    private Socket rawConnection(InetAddress source) throws IOException {
        Socket socket = new Socket();
        resources.add(socket);
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress(LOOPBACK4, listenPort), WAIT_MS);
        socket.setSoTimeout(WAIT_MS);
        return socket;
    }

    private DatagramSocket peer() throws IOException {
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK4, 0));
        peer.setSoTimeout(WAIT_MS);
        resources.add(peer);
        return peer;
    }

    private ClientTransportStats stats(ClientTransport transport) {
        return relay().stats().of(transport);
    }

    private long closes(ClientTransport transport, CloseReason reason) {
        return stats(transport).connectionsClosed().getOrDefault(reason.label(), 0L);
    }

    /** True when the relay ended the connection: the next read sees its end (or a reset) within the wait. */
    private static boolean endedByRelay(Socket socket) throws IOException {
        return StreamEnds.endedByPeer(socket);
    }

    @Test
    void aClosedConnectionLosesItsAllocationAndItsPortIsFreeAtOnce() throws Exception {
        startRelay(s -> s, null);
        SocketTurnClient client = tcpClient(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        assertThat(stats(ClientTransport.TCP).allocations()).isEqualTo(1);
        assertThat(stats(ClientTransport.TCP).connectionsOpen()).isEqualTo(1);

        client.close();

        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> relay().stats().allocations() == 0);
        LoopbackPorts.assertBindableWithinTimeout(relayed);
        assertThat(stats(ClientTransport.TCP).connectionsOpen()).isZero();
        assertThat(closes(ClientTransport.TCP, CloseReason.CLIENT_CLOSED) + closes(ClientTransport.TCP, CloseReason.RESET)).isEqualTo(1);
    }

    @Test
    void aConnectionThatNeverAllocatesIsClosedAfterTheAllocateTimeout() throws Exception {
        startRelay(s -> s.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(10)), null);
        SocketTurnClient client = tcpClient(LOOPBACK4);
        assertThat(client.binding()).isEqualTo(client.localAddress());
        Socket idle = rawConnection(LOOPBACK4);
        assertThat(endedByRelay(idle)).isTrue();
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TCP, CloseReason.NO_ALLOCATION) == 2);
    }

    @Test
    void aSlowlorisConnectionIsClosedAfterThePartialFrameTimeout() throws Exception {
        startRelay(s -> s.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(10)), null);
        SocketTurnClient honest = tcpClient(LOOPBACK4);
        honest.allocate();
        Socket slow = rawConnection(LOOPBACK4);
        // Twelve bytes of a 20-byte STUN header, then nothing more.
        slow.getOutputStream().write(new byte[] {0, 1, 0, 0, 0x21, 0x12, (byte) 0xA4, 0x42, 1, 2, 3, 4});
        long start = System.nanoTime();
        assertThat(endedByRelay(slow)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(WAIT_MS));
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TCP, CloseReason.PARTIAL_FRAME_TIMEOUT) == 1);
        assertThat(honest.refresh(600).errorCode()).isNull();
    }

    @Test
    void aTlsConnectionHoldingPartOfARecordIsClosedAfterThePartialFrameTimeout() throws Exception {
        startRelay(s -> s.withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(10)),
                TestTls.credentials());
        SocketTurnClient honest = tlsClient(TestTls.leaf());
        honest.allocate();
        SocketTurnClient slow = tlsClient(TestTls.leaf());
        slow.allocate();
        // The header of a 64-byte application-data record and three of its bytes: no frame can even start.
        slow.sendBeneathTls(new byte[] {0x17, 0x03, 0x03, 0x00, 0x40, 1, 2, 3});

        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TLS, CloseReason.PARTIAL_FRAME_TIMEOUT) == 1);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> stats(ClientTransport.TLS).allocations() == 1);
        assertThat(stats(ClientTransport.TLS).connectionsOpen()).isEqualTo(1);
        assertThat(honest.refresh(600).errorCode()).isNull();
    }

    @Test
    void bytesThatAreNotTurnCloseTheConnectionAndEndItsAllocation() throws Exception {
        startRelay(s -> s, null);
        SocketTurnClient client = tcpClient(LOOPBACK4);
        client.allocate();
        client.send(new byte[] {(byte) 0xFF, 0, 0, 0}, 4);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TCP, CloseReason.INVALID_FRAME) == 1);
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> relay().stats().allocations() == 0);
    }

    @Test
    void thePerIpCapRefusesTheNextConnectionFromThatAddressOnly() throws Exception {
        startRelay(s -> s.withConnectionLimits(3, 100), null);
        for (int i = 0; i < 3; i++) {
            tcpClient(LOOPBACK4).allocate();
        }
        Socket fourth = rawConnection(LOOPBACK4);
        assertThat(endedByRelay(fourth)).isTrue();
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TCP, CloseReason.PER_IP_LIMIT) == 1);
        // Another address is not held to the first one's cap.
        tcpClient(address("127.0.0.2")).allocate();
        assertThat(stats(ClientTransport.TCP).allocations()).isEqualTo(4);
        assertThat(stats(ClientTransport.TCP).connectionsAccepted()).isEqualTo(5);
    }

    @Test
    void theGlobalCapRefusesConnectionsOverItWhateverTheirAddress() throws Exception {
        startRelay(s -> s.withConnectionLimits(64, 2), null);
        tcpClient(address("127.0.0.2")).allocate();
        tcpClient(address("127.0.0.3")).allocate();
        Socket third = rawConnection(address("127.0.0.4"));
        assertThat(endedByRelay(third)).isTrue();
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TCP, CloseReason.CONNECTION_LIMIT) == 1);
    }

    @Test
    void aPeerFloodTowardsAClientThatDoesNotReadDropsFramesButNeverHoldsUpOthers() throws Exception {
        startRelay(s -> s.withSendQueueBytes(StreamSettings.MIN_SEND_QUEUE_BYTES)
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(60)), null);
        DatagramSocket peer = peer();
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        // The slow reader reads nothing until the flood is over.
        SocketTurnClient slow = tcpClient(address("127.0.0.5"));
        InetSocketAddress slowRelayed = slow.allocate().get(0);
        assertThat(slow.channelBind(0x4000, peerAddress).errorCode()).isNull();
        SocketTurnClient other = tcpClient(address("127.0.0.6"));
        InetSocketAddress otherRelayed = other.allocate().get(0);
        assertThat(other.channelBind(0x4000, peerAddress).errorCode()).isNull();

        byte[] chunk = new byte[1200];
        for (int i = 0; i < 20_000; i++) {
            peer.send(new DatagramPacket(chunk, chunk.length, slowRelayed));
            if (i % 2_000 == 0) {
                // The other client's round trip goes through while the flood is on.
                other.sendChannelData(0x4000, ("ping " + i).getBytes(StandardCharsets.UTF_8));
                DatagramPacket atPeer = new DatagramPacket(new byte[2048], 2048);
                peer.receive(atPeer);
                assertThat(new String(atPeer.getData(), 0, atPeer.getLength(), StandardCharsets.UTF_8)).isEqualTo("ping " + i);
                peer.send(new DatagramPacket(("pong " + i).getBytes(StandardCharsets.UTF_8), ("pong " + i).length(), otherRelayed));
                SocketTurnClient.RelayedData back = other.receiveData(WAIT_MS);
                assertThat(back).as("pong %d", i).isNotNull();
                assertThat(new String(back.payload(), StandardCharsets.UTF_8)).isEqualTo("pong " + i);
            }
        }
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> stats(ClientTransport.TCP).queueDrops() > 0);
        // Every queue drop is a send drop too; the flood may still be draining while the two are read, so the
        // counters are compared until they agree.
        await().atMost(Duration.ofMillis(WAIT_MS)).untilAsserted(() -> {
            RelayStats now = relay().stats();
            assertThat(now.sendDrops()).isGreaterThanOrEqualTo(now.of(ClientTransport.TCP).queueDrops());
        });
        // Dropped frames are whole frames: the slow client still reads valid ChannelData, then its control works.
        SocketTurnClient.RelayedData first = slow.receiveData(WAIT_MS);
        assertThat(first).isNotNull();
        assertThat(first.payload()).hasSize(1200);
        assertThat(stats(ClientTransport.TCP).connectionsOpen()).isEqualTo(2);
    }

    @Test
    void aReloadedCertificateServesNewConnectionsWhileOldOnesKeepRelaying() throws Exception {
        Path directory = Files.createTempDirectory("turnrelay-stream-reload");
        TestCertificates.Leaf first = TestTls.leaf();
        Path chain = directory.resolve("chain.pem");
        Path key = directory.resolve("key.pem");
        Files.copy(first.chainPem(), chain);
        Files.copy(first.keyPem(), key);
        TlsCredentials credentials = TlsCredentials.fromPem(chain, key);
        startRelay(s -> s, credentials);
        DatagramSocket peer = peer();
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient before = tlsClient(first);
        InetSocketAddress relayedBefore = before.allocate().get(0);
        assertThat(before.channelBind(0x4000, peerAddress).errorCode()).isNull();

        TestCertificates.Leaf renewed = first.ca().issue(directory.resolve("renewed"));
        Files.copy(renewed.chainPem(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.RELOADED);

        try (SSLSocket probe = (SSLSocket) renewed.clientContextTrustingCa().getSocketFactory().createSocket(LOOPBACK4, tlsPort)) {
            probe.startHandshake();
            assertThat(probe.getSession().getPeerCertificates()[0]).isEqualTo(renewed.certificate());
        }
        SocketTurnClient after = tlsClient(renewed);
        after.allocate();
        assertThat(before.refresh(600).errorCode()).isNull();
        before.sendChannelData(0x4000, "still here".getBytes(StandardCharsets.UTF_8));
        DatagramPacket atPeer = new DatagramPacket(new byte[2048], 2048);
        peer.receive(atPeer);
        assertThat(Arrays.copyOf(atPeer.getData(), atPeer.getLength())).isEqualTo("still here".getBytes(StandardCharsets.UTF_8));
        assertThat(atPeer.getPort()).isEqualTo(relayedBefore.getPort());
        assertThat(stats(ClientTransport.TLS).allocations()).isEqualTo(2);
    }

    @Test
    void aTlsHandshakeThatNeverComesIsClosedAndCounted() throws Exception {
        startRelay(s -> s.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10)),
                TestTls.credentials());
        Socket silent = new Socket();
        resources.add(silent);
        silent.connect(new InetSocketAddress(LOOPBACK4, tlsPort), WAIT_MS);
        silent.setSoTimeout(WAIT_MS);
        assertThat(endedByRelay(silent)).isTrue();
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> closes(ClientTransport.TLS, CloseReason.TLS_HANDSHAKE_TIMEOUT) == 1);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
