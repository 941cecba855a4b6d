package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.RelaySink;
import io.turnrelay.core.spi.SocketTable;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.UdpClientLinks;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} on a {@code java.nio} {@link Selector}, on one dedicated thread: non-blocking
 * {@link DatagramChannel}s for UDP clients and relay ports, read into one direct receive buffer, and TCP/TLS client
 * connections ({@link NioStreams}). Datagram sockets are registered for read readiness only; each ready socket is
 * read until it would block or its per-round budget is spent (the selector is level-triggered, so a socket with
 * data left is selected again next round, after timers and tasks).
 */
public final class NioTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);
    /** The largest datagram read; larger ones are truncated by the kernel and dropped. */
    static final int MAX_DATAGRAM = 65_535;
    /** Datagrams read from one socket per selector round, so one busy socket cannot starve the rest. */
    static final int READ_BUDGET = 64;
    /** Free bytes kept in front of every received datagram, so a ChannelData header can be written in place. */
    static final int HEADROOM = ChannelData.HEADER_LENGTH;
    /** Free bytes kept after it, for the padding a ChannelData frame to a stream client carries. */
    private static final int TAILROOM = 3;
    /** Level-triggered readiness is reported again by the next selection, so a deregistering one may ignore it. */
    private static final Consumer<SelectionKey> IGNORE_READY = key -> {};
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    /** What a datagram socket's key carries: the relay port it serves, or the UDP listener it is. */
    private static final class RelaySocket {
        final int port;

        RelaySocket(int port) {
            this.port = port;
        }
    }

    private static final class UdpListener {
        final UdpClientLinks<NioUdpLink> links;

        UdpListener(DatagramChannel channel, InetSocketAddress local) {
            this.links = new UdpClientLinks<>(local, (listener, remote) -> new NioUdpLink(channel, listener, remote));
        }
    }

    private final String shardName;
    private final Selector selector;
    private final SocketTable<DatagramChannel> sockets = new SocketTable<>();
    private final List<DatagramChannel> listenChannels = new ArrayList<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(HEADROOM + MAX_DATAGRAM + TAILROOM);
    /** For ChannelData whose payload is not in the receive buffer: the header and padding go around a copy. */
    private final ByteBuffer frameBuffer = ByteBuffer.allocateDirect(StreamFraming.MAX_FRAME);
    private final Consumer<SelectionKey> ready = this::onReady;
    private final AtomicLong sendDrops = new AtomicLong();
    private final NioStreams streams;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<DatagramChannel> pendingCloses = new ArrayList<>();
    /** True while the selector runs the read callback; a nested selection is not allowed there. */
    private boolean selecting;
    private volatile boolean running;
    private @Nullable Thread thread;
    private @Nullable RelaySink sink;

    public NioTransport(String shardName) {
        this.shardName = shardName;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.streams = new NioStreams(selector, sendDrops);
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public void listen(ClientListener listener, ListenOptions options) throws IOException {
        InetSocketAddress address = listener.address();
        if (listener.isStream()) {
            SSLContext tls = null;
            if (listener.transport() == ClientTransport.TLS || listener.detectTls()) {
                TlsCredentials credentials = options.tls();
                if (credentials == null) {
                    throw new IOException("no TLS certificate is configured for " + listener);
                }
                tls = credentials.newServerContext();
            }
            streams.listen(listener, options.reusePort(), options.streams(), tls);
            return;
        }
        AddressFamily family = AddressFamily.of(address.getAddress());
        DatagramChannel shared = sockets.socketFor(address.getPort(), family);
        if (shared != null) {
            if (listenChannels.contains(shared) && address.getAddress().isAnyLocalAddress()) {
                return; // the dual-stack listener also serves this family
            }
            throw new IOException("the listen address " + format(address) + " is already bound");
        }
        DatagramChannel channel = open(address.getPort(), family, address.getAddress(), options.reusePort());
        if (channel == null) {
            throw new IOException("cannot bind the listen address " + format(address) + ": address in use");
        }
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.attach(new UdpListener(channel, (InetSocketAddress) channel.getLocalAddress()));
        }
        listenChannels.add(channel);
    }

    @Override
    public void start(RelaySink target) {
        if (thread != null) {
            throw new IllegalStateException("transport already started");
        }
        this.sink = target;
        streams.start(target);
        running = true;
        Thread loop = new Thread(this::runLoop, "turnrelay-nio-" + shardName);
        thread = loop;
        loop.start();
    }

    @Override
    public boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress) {
        if (sockets.isBound(port, family)) {
            return false;
        }
        try {
            DatagramChannel channel = open(port, family, bindAddress, false);
            if (channel == null) {
                return false;
            }
            SelectionKey key = channel.keyFor(selector);
            if (key != null && key.attachment() == null) {
                key.attach(new RelaySocket(port));
            }
            return true;
        } catch (IOException e) {
            LOG.debug("Cannot bind relay port {} ({}): {}", port, family, e.toString());
            return false;
        }
    }

    @Override
    public void closeRelay(int port, AddressFamily family) {
        DatagramChannel channel = sockets.remove(port, family);
        if (channel == null) {
            return;
        }
        // A registered channel keeps its port until the selector deregisters its key, so cancel, deregister
        // with a selectNow, then close; inside a selection that has to wait until the selection returns.
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
        pendingCloses.add(channel);
        if (!selecting) {
            closePending();
        }
    }

    private void closePending() {
        if (pendingCloses.isEmpty()) {
            return;
        }
        try {
            selector.selectNow(IGNORE_READY);
        } catch (IOException e) {
            LOG.debug("Deregistering closed sockets failed", e);
        }
        for (DatagramChannel channel : pendingCloses) {
            closeQuietly(channel);
        }
        pendingCloses.clear();
    }

    @Override
    public boolean sendToPeer(int relayPort, ByteBuffer buffer, int offset, int length, InetSocketAddress peer) {
        return sendDatagram(sockets.socketFor(relayPort, AddressFamily.of(peer.getAddress())), buffer, offset, length, peer);
    }

    private boolean sendDatagram(@Nullable DatagramChannel channel, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        if (channel == null) {
            sendDrops.incrementAndGet();
            return false;
        }
        try {
            buffer.limit(offset + length).position(offset);
            if (channel.send(buffer, destination) == 0) {
                sendDrops.incrementAndGet(); // not writable: drop rather than wait or queue
                return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            sendDrops.incrementAndGet();
            return false;
        }
    }

    @Override
    public boolean sendToClient(ClientLink client, ByteBuffer buffer, int offset, int length) {
        return sendMessage(client, buffer, offset, length, false);
    }

    @Override
    public boolean relayToClient(ClientLink client, ByteBuffer buffer, int offset, int length) {
        return sendMessage(client, buffer, offset, length, true);
    }

    private boolean sendMessage(ClientLink client, ByteBuffer buffer, int offset, int length, boolean relayed) {
        if (client instanceof NioUdpLink udp) {
            return sendDatagram(udp.channel, buffer, offset, length, udp.remote());
        }
        if (client instanceof NioStreamLink link) {
            return streams.write(link.stream, buffer, offset, length, relayed, System.nanoTime());
        }
        sendDrops.incrementAndGet(); // not a link of this transport
        return false;
    }

    @Override
    public boolean sendChannelData(ClientLink client, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength) {
        boolean stream = client.isStream();
        int padding = stream ? StreamFraming.padding(payloadLength) : 0;
        int frameOffset = payloadOffset - ChannelData.HEADER_LENGTH;
        int frameLength = ChannelData.HEADER_LENGTH + payloadLength + padding;
        ByteBuffer frame = buffer;
        // Datagrams are received behind HEADROOM free bytes and before TAILROOM ones, so the frame is built in place.
        if (buffer != receiveBuffer || frameOffset < 0 || payloadOffset + payloadLength + padding > buffer.capacity()) {
            if (frameLength > frameBuffer.capacity()) {
                sendDrops.incrementAndGet();
                return false;
            }
            frame = frameBuffer;
            frameOffset = 0;
            frame.clear();
            frame.put(ChannelData.HEADER_LENGTH, buffer, payloadOffset, payloadLength);
        }
        ChannelData.writeHeader(frame, frameOffset, channelNumber, payloadLength);
        for (int i = 0; i < padding; i++) {
            frame.put(frameOffset + ChannelData.HEADER_LENGTH + payloadLength + i, (byte) 0);
        }
        if (client instanceof NioUdpLink udp) {
            return sendDatagram(udp.channel, frame, frameOffset, frameLength, udp.remote());
        }
        if (client instanceof NioStreamLink link) {
            return streams.write(link.stream, frame, frameOffset, frameLength, true, System.nanoTime());
        }
        sendDrops.incrementAndGet();
        return false;
    }

    @Override
    public void closeClient(ClientLink client, CloseReason reason) {
        if (client instanceof NioStreamLink link) {
            streams.close(link.stream, reason, System.nanoTime());
        }
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public long sendDrops() {
        return sendDrops.get();
    }

    @Override
    public long queueDrops(ClientTransport transport) {
        return streams.queueDrops(transport);
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        Thread loop = thread;
        if (loop != null && loop != Thread.currentThread()) {
            try {
                loop.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll(); // also when the loop never started or did not stop in time
    }

    /** Binds {@code family} on {@code port}; null when the address is in use. */
    private @Nullable DatagramChannel open(int port, AddressFamily family, InetAddress bindAddress, boolean reusePort)
            throws IOException {
        return sockets.bind(port, family, bindAddress, (socketFamily, local) -> openAndRegister(socketFamily, local, reusePort));
    }

    private @Nullable DatagramChannel openAndRegister(AddressFamily family, InetSocketAddress local, boolean reusePort)
            throws IOException {
        ProtocolFamily protocolFamily = family == AddressFamily.IPV4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel channel = DatagramChannel.open(protocolFamily);
        try {
            channel.configureBlocking(false);
            if (reusePort && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.bind(local);
            channel.register(selector, SelectionKey.OP_READ);
            return channel;
        } catch (java.net.BindException e) {
            closeQuietly(channel);
            return null;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private void runLoop() {
        RelaySink target = sink;
        if (target == null) {
            return;
        }
        try {
            while (running) {
                runTasks();
                long now = System.nanoTime();
                streams.sweep(now);
                long deadline = Math.min(target.nextDeadlineNanos(), streams.nextDeadline());
                if (deadline <= now) {
                    target.onTimeout(now);
                    streams.flushBatches(now);
                    continue;
                }
                streams.flushBatches(now);
                long waitMillis = deadline == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now + 999_999));
                selecting = true;
                try {
                    selector.select(ready, waitMillis);
                } finally {
                    selecting = false;
                }
                streams.flushBatches(System.nanoTime());
                closePending();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("Transport {} stopped: {}", shardName, e.toString());
            }
        } finally {
            running = false;
            closeAll();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("Task on transport {} failed", shardName, e);
            }
        }
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        Object attachment = key.attachment();
        try {
            if (attachment instanceof NioStream stream) {
                long now = System.nanoTime();
                if (key.isWritable()) {
                    streams.writable(stream, now);
                }
                if (key.isValid() && key.isReadable()) {
                    streams.readable(stream, now);
                }
            } else if (attachment instanceof NioStreams.Listener) {
                streams.accept(key, System.nanoTime());
            } else if (key.isReadable()) {
                readDatagrams(key, attachment);
            }
        } catch (RuntimeException e) {
            LOG.error("Relay loop failed on a ready socket; carrying on", e);
        }
    }

    private void readDatagrams(SelectionKey key, @Nullable Object attachment) {
        RelaySink target = sink;
        if (target == null) {
            return;
        }
        DatagramChannel channel = (DatagramChannel) key.channel();
        UdpListener listener = attachment instanceof UdpListener udp ? udp : null;
        int relayPort = attachment instanceof RelaySocket relay ? relay.port : -1;
        ByteBuffer buffer = receiveBuffer;
        for (int read = 0; read < READ_BUDGET && key.isValid(); read++) {
            buffer.clear().position(HEADROOM).limit(HEADROOM + MAX_DATAGRAM);
            SocketAddress sender;
            try {
                sender = channel.receive(buffer);
            } catch (IOException e) {
                return; // e.g. an ICMP error queued on the socket; the next read goes on
            }
            if (sender == null) {
                return; // would block
            }
            int length = buffer.position() - HEADROOM;
            InetSocketAddress from = (InetSocketAddress) sender;
            try {
                if (listener != null) {
                    target.onClientMessage(listener.links.linkFor(from), buffer, HEADROOM, length, System.nanoTime());
                } else if (relayPort >= 0) {
                    target.onPeerDatagram(relayPort, from, buffer, HEADROOM, length, System.nanoTime());
                }
            } catch (RuntimeException e) {
                LOG.error("Relay loop failed on a datagram from {}; dropped", sender, e);
            }
        }
    }

    private void closeAll() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        streams.closeAll(System.nanoTime());
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        for (DatagramChannel channel : listenChannels) {
            closeQuietly(channel);
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("Closing the selector failed", e);
        }
    }

    private static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + address.getPort();
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing a socket failed", e);
        }
    }
}
