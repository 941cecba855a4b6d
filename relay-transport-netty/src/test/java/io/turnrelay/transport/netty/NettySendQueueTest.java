package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.stun.StreamFraming;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The send-queue rules of the contract with relayed frames arriving over many loop turns, as traffic does, rather
 * than in one task: on every I/O kind, io_uring included (whose writes reach the kernel only between turns), a client
 * that reads nothing fills the kernel's buffers, then the queue; then relayed frames are dropped whole, a response
 * that does not fit closes the connection, and a queue that makes no progress ends it at the send-stall timeout.
 * Runs on every I/O kind available here.
 */
class NettySendQueueTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /**
     * How long frames must have been dropped without a break: by then the kernel's buffers are full, not merely late
     * (io_uring may take a moment to hand a write to the socket).
     */
    private static final long DROPPING_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private @Nullable NettyTransport running;
    private final RecordingSink sink = new RecordingSink();
    private final BlockingQueue<ClientLink> connected = sink.connected;
    private final BlockingQueue<CloseReason> closed = sink.closed;
    private @Nullable Socket client;

    @AfterEach
    void close() throws Exception {
        if (running != null) {
            running.close();
        }
        if (client != null) {
            client.close();
        }
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.Io.class)
    void relayedFramesAreDroppedWholeThenAResponseThatDoesNotFitClosesTheConnection(NettyTransport.Io io) throws Exception {
        NettyTransport transport = start(io);
        ClientLink link = fillUntilFramesAreDropped(transport, Duration.ofSeconds(30));
        byte[] response = new byte[StreamFraming.MAX_FRAME];
        assertThat(onLoop(transport, () -> transport.sendToClient(link, ByteBuffer.wrap(response), 0, response.length))).isFalse();
        assertThat(closed.poll(5, TimeUnit.SECONDS)).isEqualTo(CloseReason.SEND_QUEUE_FULL);
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.Io.class)
    void aClientThatStopsReadingIsClosedAtTheSendStallTimeout(NettyTransport.Io io) throws Exception {
        fillUntilFramesAreDropped(start(io), Duration.ofSeconds(1));
        assertThat(closed.poll(5, TimeUnit.SECONDS)).isEqualTo(CloseReason.SEND_STALLED);
    }

    /** One 60,000-byte ChannelData frame per loop turn until frames have been dropped for {@link #DROPPING_NANOS}. */
    private NettyTransport start(NettyTransport.Io io) {
        assumeTrue(io.isAvailable(), () -> io.label() + " unavailable here");
        NettyTransport started = new NettyTransport("test-queue", io);
        running = started;
        return started;
    }

    private ClientLink fillUntilFramesAreDropped(NettyTransport transport, Duration sendStall) throws Exception {
        StreamSettings settings = StreamSettings.defaults().withSendQueueBytes(StreamSettings.MIN_SEND_QUEUE_BYTES)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1), sendStall);
        int port = LoopbackPorts.freeTcpPort();
        transport.listen(ClientListener.of(ClientTransport.TCP, LOOPBACK, port), new ListenOptions(false, settings, null));
        transport.start(sink);
        Socket socket = new Socket();
        client = socket;
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(LOOPBACK, port));
        ClientLink link = connected.poll(5, TimeUnit.SECONDS);
        assertThat(link).as("connected").isNotNull();
        ByteBuffer payload = ByteBuffer.allocate(8 + 60_000);
        long droppingSince = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && closed.isEmpty() && (droppingSince == 0 || System.nanoTime() - droppingSince < DROPPING_NANOS)) {
            boolean sent = onLoop(transport, () -> transport.sendChannelData(link, 0x4000, payload, 8, 60_000));
            droppingSince = sent ? 0 : droppingSince == 0 ? System.nanoTime() : droppingSince;
        }
        System.out.println("NettySendQueueTest on " + transport.io().label() + ": " + transport.queueDrops(ClientTransport.TCP)
                + " relayed frames dropped at the full queue");
        assertThat(droppingSince).as("frames dropped for %d ms without a break", DROPPING_NANOS / 1_000_000).isNotZero();
        assertThat(closed).isEmpty();
        assertThat(transport.sendDrops()).isGreaterThanOrEqualTo(transport.queueDrops(ClientTransport.TCP)).isPositive();
        return link;
    }

    private static <T> T onLoop(NettyTransport transport, Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        transport.execute(() -> result.complete(action.get()));
        return result.get(5, TimeUnit.SECONDS);
    }
}
