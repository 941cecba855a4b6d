package io.turnrelay.transport.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
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
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} on one Netty event loop, built from Netty's stock channels: a datagram channel per UDP
 * listener and per relay port and family, and a server socket channel per TCP or TLS listener whose connections
 * run through {@link NettyStreams}. The channel classes follow the loop's {@link Io}; the handlers are the same
 * on every kind.
 *
 * <p>Writes are not flushed one by one: the transport flushes every channel a batch of events wrote to when the
 * batch ends (a read batch, a task, a timer), which epoll turns into one sendmmsg per socket. A datagram socket
 * whose queue in Netty is above its high-water mark drops instead of queueing.
 *
 * <p>The loop is either the transport's own one-thread group, {@code turnrelay-netty-<shard>}, shut down by
 * {@link #close()}, or a loop of an embedder's group ({@link #NettyTransport(String, EventLoopGroup)}), which
 * {@link #close()} leaves running.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** System property that, set to {@code false}, keeps {@link Io#best()} off io_uring. Only ever read. */
    public static final String IO_URING_PROPERTY = "io.turnrelay.netty.iouring";
    /**
     * The largest datagram taken. Each read slot holds one more byte, so a datagram that fills its slot may have been
     * truncated and is dropped. Above any path MTU, jumbo frames included.
     */
    static final int MAX_DATAGRAM = 9_215;
    private static final int RECEIVE_SLOT = MAX_DATAGRAM + 1;
    /** Datagrams one recvmmsg (or one round of receives on the ring) takes. */
    private static final int DATAGRAMS_PER_READ = 16;
    /** Free bytes in front of every delivered datagram (the contract's headroom for a ChannelData header). */
    private static final int HEADROOM = ChannelData.HEADER_LENGTH;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** What one batch may leave in a datagram channel's queue before further sends drop: several read batches' worth. */
    private static final WriteBufferWaterMark DATAGRAM_QUEUE = new WriteBufferWaterMark(128 << 10, 256 << 10);
    private static final long CLOSE_WAIT_SECONDS = 5;
    /**
     * Netty's pooled allocator, whose buffers copy to and from direct ByteBuffers and slice without allocating (4.2's
     * default adaptive one allocates a ByteBuffer view for each such copy, and each slice).
     */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    /** Which of Netty's I/O kinds a transport runs on. */
    public enum Io {
        /** Linux io_uring (Netty's {@code IoUringIoHandler} and channels). */
        IO_URING("io_uring"),
        /** Linux epoll, with recvmmsg and sendmmsg for datagrams. */
        EPOLL("epoll"),
        /** Netty's channels on {@code java.nio}: every platform. */
        NIO("NIO");

        private final String label;

        Io(String label) {
            this.label = label;
        }

        /** How logs and {@link NettyTransport#description()} name it. */
        public String label() {
            return label;
        }

        /** Whether its native library loads here. */
        public boolean isAvailable() {
            return switch (this) {
                case IO_URING -> IoUring.isAvailable();
                case EPOLL -> Epoll.isAvailable();
                case NIO -> true;
            };
        }

        /** io_uring, unless it is unavailable or {@value #IO_URING_PROPERTY} is {@code false}; then epoll; then NIO. */
        public static Io best() {
            return ("false".equals(System.getProperty(IO_URING_PROPERTY)) ? EPOLL : IO_URING).orAvailable();
        }

        /** This kind, or the next best where it does not load. */
        public Io orAvailable() {
            if (isAvailable()) {
                return this;
            }
            return this == IO_URING ? EPOLL.orAvailable() : NIO;
        }

        /** The kind of an embedder's loop. */
        static Io of(EventLoop loop) {
            if (loop instanceof IoEventLoop io) {
                if (io.isIoType(IoUringIoHandler.class)) {
                    return IO_URING;
                }
                if (io.isIoType(EpollIoHandler.class)) {
                    return EPOLL;
                }
                if (io.isIoType(NioIoHandler.class)) {
                    return NIO;
                }
            }
            throw new IllegalArgumentException("not a Netty 4.2 event loop on io_uring, epoll or NIO: " + loop);
        }
    }

    private final String shardName;
    private final Io io;
    private final EventLoop loop;
    /** The transport's own group, shut down on close; null on an embedder's loop. */
    private final @Nullable EventLoopGroup ownGroup;
    private final SslProvider tlsProvider;
    private final SocketTable<UdpSocket> sockets = new SocketTable<>();
    private final List<UdpSocket> listenSockets = new ArrayList<>();
    /** Each datagram is copied here behind HEADROOM bytes for the sink, which reads it as a ByteBuffer. */
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(HEADROOM + MAX_DATAGRAM);
    /** The datagram in the receive buffer while the sink handles it: what the sink sends of it is sliced, not copied. */
    private @Nullable ByteBuf delivering;
    private final List<BatchFlushed> unflushed = new ArrayList<>();
    private final AtomicLong sendDrops = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final NettyStreams streams;
    private final Runnable timeoutTask = this::onTimer;
    private volatile @Nullable RelaySink sink;
    private boolean started;
    private @Nullable ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;

    /** On the best I/O here ({@link Io#best()}), in a one-thread group of its own. */
    public NettyTransport(String shardName) {
        this(shardName, Io.best());
    }

    /** On {@code io}, or the next best kind where it does not load, in a one-thread group of its own. */
    public NettyTransport(String shardName, Io io) {
        this(shardName, io.orAvailable(), null, defaultTlsProvider());
    }

    /**
     * On one loop of an embedder's group (a Vert.x, Quarkus or Netty server's), whose kind of I/O it takes on.
     * {@link #close()} closes the transport's channels and leaves the group running.
     *
     * @throws IllegalArgumentException if the group's loops are not Netty 4.2 io_uring, epoll or NIO loops
     */
    public NettyTransport(String shardName, EventLoopGroup group) {
        this(shardName, Io.of(group.next()), group, defaultTlsProvider());
    }

    /** For tests: a chosen TLS provider. */
    NettyTransport(String shardName, Io io, SslProvider tlsProvider) {
        this(shardName, io.orAvailable(), null, tlsProvider);
    }

    private NettyTransport(String shardName, Io io, @Nullable EventLoopGroup embedderGroup, SslProvider tlsProvider) {
        this.shardName = shardName;
        this.io = io;
        this.tlsProvider = tlsProvider;
        if (embedderGroup != null) {
            this.ownGroup = null;
            this.loop = embedderGroup.next();
        } else {
            ThreadFactory thread = task -> new FastThreadLocalThread(task, "turnrelay-netty-" + shardName);
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, thread, IoChannels.handlerFactory(io));
            this.ownGroup = group;
            this.loop = group.next();
        }
        this.streams = new NettyStreams(this, io, loop, tlsProvider, sendDrops);
        LOG.debug("Netty transport {}: {}", shardName, description());
    }

    /** The TLS provider new transports use: BoringSSL through netty-tcnative where it loads, else the JDK. */
    static SslProvider defaultTlsProvider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The I/O this transport runs on. */
    public Io io() {
        return io;
    }

    /** Who does TLS: {@link SslProvider#OPENSSL} (BoringSSL from netty-tcnative) or {@link SslProvider#JDK}. */
    public SslProvider tlsProvider() {
        return tlsProvider;
    }

    /** The loop the transport runs on. */
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public String name() {
        return "netty";
    }

    /** {@code netty on epoll, TLS by BoringSSL}, or e.g. {@code netty on NIO, TLS by the JDK}. */
    @Override
    public String description() {
        return "netty on " + io.label() + ", TLS by " + (tlsProvider == SslProvider.JDK ? "the JDK" : OpenSsl.versionString());
    }

    @Override
    public void listen(ClientListener listener, ListenOptions options) throws IOException {
        if (listener.isStream()) {
            SslContext tls = streams.tlsFor(listener, options);
            onLoop(() -> {
                streams.listen(listener, options, tls, started);
                return null;
            }, listener);
            return;
        }
        onLoop(() -> {
            listenUdp(listener, options.reusePort());
            return null;
        }, listener);
    }

    private void listenUdp(ClientListener listener, boolean reusePort) throws IOException {
        InetSocketAddress address = listener.address();
        AddressFamily family = AddressFamily.of(address.getAddress());
        UdpSocket shared = sockets.socketFor(address.getPort(), family);
        if (shared != null) {
            if (listenSockets.contains(shared) && address.getAddress().isAnyLocalAddress()) {
                return; // the dual-stack listener also serves this family
            }
            throw new IOException("the listen address " + format(address) + " is already bound");
        }
        UdpSocket socket = sockets.bind(address.getPort(), family, address.getAddress(),
                (socketFamily, local) -> openDatagram(socketFamily, local, reusePort, -1));
        if (socket == null) {
            throw new IOException("cannot bind the listen address " + format(address) + ": address in use");
        }
        InetSocketAddress local = (InetSocketAddress) socket.channel().localAddress();
        socket.links = new UdpClientLinks<>(local, (listenAddress, remote) -> new UdpLink(socket, listenAddress, remote));
        listenSockets.add(socket);
    }

    /** Runs {@code action} on the loop (at once when called there) and waits for it. */
    private <T> T onLoop(Callable<T> action, Object what) throws IOException {
        if (loop.inEventLoop()) {
            try {
                return action.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(what + ": " + e.getMessage(), e);
            }
        }
        try {
            return loop.submit(action).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot open " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException | RejectedExecutionException e) {
            throw new IOException("cannot open " + what + ": the event loop does not answer (" + e + ")", e);
        }
    }

    @Override
    public void start(RelaySink target) {
        if (sink != null) {
            throw new IllegalStateException("transport already started");
        }
        sink = target;
        streams.start(target);
        loop.execute(() -> {
            started = true;
            for (UdpSocket socket : listenSockets) {
                socket.channel().config().setAutoRead(true);
            }
            streams.startAccepting();
            rescheduleTimer();
        });
    }

    @Override
    public boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress) {
        if (sockets.isBound(port, family)) {
            return false;
        }
        try {
            return sockets.bind(port, family, bindAddress, (socketFamily, local) -> openDatagram(socketFamily, local, false, port)) != null;
        } catch (IOException e) {
            LOG.debug("Cannot bind relay port {} ({}): {}", port, family, e.toString());
            return false;
        }
    }

    @Override
    public void closeRelay(int port, AddressFamily family) {
        UdpSocket socket = sockets.remove(port, family);
        if (socket != null) {
            socket.channel().close();
        }
    }

    /**
     * A datagram channel of {@code family} bound to {@code local}, registered with the loop; null when the bind fails
     * (e.g. the address is in use). Runs on the loop, where registering and binding complete before they return.
     */
    private @Nullable UdpSocket openDatagram(AddressFamily family, InetSocketAddress local, boolean reusePort, int relayPort)
            throws IOException {
        UdpSocket socket = new UdpSocket(this, relayPort);
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(() -> IoChannels.newDatagramChannel(io, family))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, DATAGRAM_QUEUE)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .option(ChannelOption.AUTO_READ, started || relayPort >= 0)
                .handler(socket);
        ChannelOption<Integer> batch = IoChannels.maxDatagramPayloadSize(io);
        if (batch != null) {
            bootstrap.option(batch, RECEIVE_SLOT).option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_SLOT * DATAGRAMS_PER_READ));
        } else {
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_SLOT));
        }
        if (reusePort) {
            bootstrap.option(IoChannels.reusePort(io), true);
        }
        ChannelFuture registered = bootstrap.register();
        if (!registered.isSuccess()) {
            registered.channel().close();
            Throwable cause = registered.cause();
            throw new IOException("cannot open a datagram socket for " + format(local) + ": " + cause, cause);
        }
        Channel channel = registered.channel();
        ChannelFuture bound = channel.bind(local);
        if (!bound.isSuccess()) {
            LOG.debug("Cannot bind {}: {}", format(local), bound.cause() == null ? "still pending" : bound.cause().toString());
            channel.close();
            return null;
        }
        return socket;
    }

    /** A datagram a socket read: copied behind the headroom of the receive buffer and handed to the sink. */
    void onDatagram(UdpSocket socket, DatagramPacket packet) {
        try {
            RelaySink target = sink;
            ByteBuf content = packet.content();
            int length = content.readableBytes();
            if (target == null || length > MAX_DATAGRAM) {
                return; // too large: it filled its read slot, so it may have been cut
            }
            ByteBuffer buffer = receiveBuffer;
            buffer.clear().position(HEADROOM).limit(HEADROOM + length);
            content.getBytes(content.readerIndex(), buffer);
            buffer.clear();
            InetSocketAddress sender = packet.sender();
            delivering = content;
            UdpClientLinks<UdpLink> links = socket.links;
            if (links != null) {
                target.onClientMessage(links.linkFor(sender), buffer, HEADROOM, length, System.nanoTime());
            } else if (socket.relayPort >= 0) {
                target.onPeerDatagram(socket.relayPort, sender, buffer, HEADROOM, length, System.nanoTime());
            }
        } catch (RuntimeException e) {
            LOG.error("Relay loop failed on a datagram from {}; dropped", packet.sender(), e);
        } finally {
            delivering = null;
            packet.release();
        }
    }

    /** What Netty reports on an unconnected datagram socket is a failed send (e.g. no route); the socket goes on. */
    void onDatagramError(UdpSocket socket, Throwable cause) {
        sendDrops.incrementAndGet();
        LOG.debug("Datagram socket {} (relay port {}): {}", socket.channel().localAddress(), socket.relayPort, cause.toString());
    }

    @Override
    public boolean sendToPeer(int relayPort, ByteBuffer buffer, int offset, int length, InetSocketAddress peer) {
        UdpSocket socket = sockets.socketFor(relayPort, AddressFamily.of(peer.getAddress()));
        if (!canSend(socket)) {
            return false;
        }
        sendDatagram(socket, bytes(buffer, offset, length), peer);
        return true;
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
        if (client instanceof UdpLink udp) {
            if (!canSend(udp.socket)) {
                return false;
            }
            sendDatagram(udp.socket, bytes(buffer, offset, length), udp.remote());
            return true;
        }
        if (client instanceof StreamLink link && streams.fits(link.connection, length, relayed)) {
            streams.write(link.connection, bytes(buffer, offset, length));
            return true;
        }
        if (!(client instanceof StreamLink)) {
            sendDrops.incrementAndGet(); // not a link of this transport
        }
        return false;
    }

    @Override
    public boolean sendChannelData(ClientLink client, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength) {
        if (client instanceof UdpLink udp) {
            if (!canSend(udp.socket)) {
                return false;
            }
            sendDatagram(udp.socket, channelData(channelNumber, buffer, payloadOffset, payloadLength, 0), udp.remote());
            return true;
        }
        if (client instanceof StreamLink link) {
            int padding = StreamFraming.padding(payloadLength);
            if (!streams.fits(link.connection, ChannelData.HEADER_LENGTH + payloadLength + padding, true)) {
                return false;
            }
            streams.write(link.connection, channelData(channelNumber, buffer, payloadOffset, payloadLength, padding));
            return true;
        }
        sendDrops.incrementAndGet();
        return false;
    }

    /** Whether a datagram can go out on {@code socket} now; counts a drop when not. */
    private boolean canSend(@Nullable UdpSocket socket) {
        if (socket == null || !socket.channel().isWritable()) {
            sendDrops.incrementAndGet(); // no such socket, or its queue is full: drop rather than wait
            return false;
        }
        return true;
    }

    private void sendDatagram(UdpSocket socket, ByteBuf data, InetSocketAddress destination) {
        Channel channel = socket.channel();
        channel.write(new DatagramPacket(data, destination), channel.voidPromise());
        flushLater(socket);
    }

    /**
     * The bytes to send: a slice of the datagram being delivered when they are part of it, else a pooled copy (the
     * caller's buffer is reused as soon as the send returns).
     */
    private ByteBuf bytes(ByteBuffer buffer, int offset, int length) {
        ByteBuf received = delivering;
        if (buffer == receiveBuffer && received != null) {
            return received.retainedSlice(received.readerIndex() + offset - HEADROOM, length);
        }
        ByteBuf data = ALLOCATOR.directBuffer(length);
        data.writeBytes(buffer.limit(offset + length).position(offset));
        return data;
    }

    /**
     * A ChannelData frame: the header, the payload and {@code padding} zero bytes, in one pooled buffer. Copying the
     * payload (a few hundred bytes) costs less than gathering it: a composite of a header buffer and a slice of the
     * datagram allocated 130 bytes more per frame, measured with NettyRelayAllocationTest.
     */
    private ByteBuf channelData(int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, int padding) {
        ByteBuf received = delivering;
        ByteBuf frame = ALLOCATOR.directBuffer(ChannelData.HEADER_LENGTH + payloadLength + padding);
        frame.writeShort(channelNumber).writeShort(payloadLength);
        if (buffer == receiveBuffer && received != null) {
            frame.writeBytes(received, received.readerIndex() + payloadOffset - HEADROOM, payloadLength);
        } else {
            frame.writeBytes(buffer.limit(payloadOffset + payloadLength).position(payloadOffset));
        }
        frame.writeZero(padding);
        return frame;
    }

    /** Queues {@code handler}'s channel for the flush at the end of the current batch of events. */
    void flushLater(BatchFlushed handler) {
        if (!handler.awaitingFlush) {
            handler.awaitingFlush = true;
            unflushed.add(handler);
        }
    }

    /** The end of a batch of events: flush what it wrote, and follow the sink's next deadline. */
    void afterEvents() {
        // Flushing may fail a connection, whose sink call may write more: those are flushed in this pass too.
        for (int i = 0; i < unflushed.size(); i++) {
            BatchFlushed handler = unflushed.get(i);
            handler.awaitingFlush = false;
            handler.channel().flush();
        }
        unflushed.clear();
        rescheduleTimer();
    }

    @Override
    public void closeClient(ClientLink client, CloseReason reason) {
        if (client instanceof StreamLink link) {
            streams.close(link.connection, reason);
        }
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(() -> {
            if (closed.get()) {
                return; // an embedder's loop outlives the transport
            }
            try {
                task.run();
            } finally {
                afterEvents();
            }
        });
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<ChannelFuture> closing = new ArrayList<>();
        if (loop.inEventLoop()) {
            closeChannels(closing);
        } else {
            try {
                loop.submit(() -> closeChannels(closing)).get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
                LOG.warn("Closing the sockets of transport {} failed: {}", shardName, e.toString());
            }
            for (ChannelFuture future : closing) {
                future.awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
        EventLoopGroup group = ownGroup;
        if (group != null) {
            io.netty.util.concurrent.Future<?> terminated = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            if (!loop.inEventLoop()) {
                terminated.awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private void closeChannels(List<ChannelFuture> closing) {
        ScheduledFuture<?> pending = timer;
        if (pending != null) {
            pending.cancel(false);
            timer = null;
        }
        streams.closeAll(closing);
        for (UdpSocket socket : sockets.sockets()) {
            closing.add(socket.channel().close());
        }
        for (UdpSocket socket : listenSockets) {
            closing.add(socket.channel().close());
        }
    }

    private void rescheduleTimer() {
        RelaySink target = sink;
        if (target == null || closed.get()) {
            return;
        }
        long deadline = target.nextDeadlineNanos();
        if (deadline == timerDeadline) {
            return;
        }
        ScheduledFuture<?> previous = timer;
        if (previous != null) {
            previous.cancel(false);
            timer = null;
        }
        timerDeadline = deadline;
        if (deadline != Long.MAX_VALUE) {
            timer = loop.schedule(timeoutTask, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void onTimer() {
        timer = null;
        timerDeadline = Long.MAX_VALUE;
        RelaySink target = sink;
        if (target != null && !closed.get()) {
            long now = System.nanoTime();
            if (target.nextDeadlineNanos() <= now) {
                try {
                    target.onTimeout(now);
                } catch (RuntimeException e) {
                    LOG.error("Timeout handling on transport {} failed", shardName, e);
                }
            }
        }
        afterEvents();
    }

    static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + address.getPort();
    }
}
