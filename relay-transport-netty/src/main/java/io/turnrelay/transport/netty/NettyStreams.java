package io.turnrelay.transport.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.RelaySink;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StreamFraming;
import io.turnrelay.transport.netty.NettyTransport.Io;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP and TLS side of the Netty transport: a server socket channel per listener, and for each connection the
 * pipeline {@code [TlsRecordWatcher -> SslHandler | TlsDetector] -> FrameDecoder -> StreamConnection}. It keeps each connection's send
 * queue bounded, closes connections with the reason the sink is told, and sweeps their timeouts once a second.
 * Runs on the transport's loop only (except {@link #tlsFor}).
 */
final class NettyStreams {
    private static final Logger LOG = LoggerFactory.getLogger(NettyStreams.class);
    private static final int BACKLOG = 4096;
    /** The stream timeouts are seconds long; checking them once a second is precise enough and costs little. */
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A TCP listener socket and what its connections get. */
    static final class Listener {
        final ClientListener config;
        final StreamSettings settings;
        final @Nullable SslContext tls;
        final WriteBufferWaterMark queue;
        @Nullable Channel channel;

        Listener(ClientListener config, StreamSettings settings, @Nullable SslContext tls) {
            this.config = config;
            this.settings = settings;
            this.tls = tls;
            // The high mark is the send queue's size; the channel's distance to a mark is how queuedBytes() counts.
            this.queue = new WriteBufferWaterMark(settings.sendQueueBytes() / 2, settings.sendQueueBytes());
        }
    }

    private final NettyTransport transport;
    private final Io io;
    private final EventLoop loop;
    private final SslProvider tlsProvider;
    private final AtomicLong sendDrops;
    private final AtomicLongArray queueDrops = new AtomicLongArray(ClientTransport.values().length);
    private final List<Listener> listeners = new ArrayList<>();
    /** Wildcard listeners by port that also serve IPv4 (dual-stack), so an IPv4 wildcard listener there shares them. */
    private final Map<Integer, Listener> dualStack = new HashMap<>();
    private final List<StreamConnection> connections = new ArrayList<>();
    /** Each frame is copied here for the sink, which reads it as a ByteBuffer. */
    private final ByteBuffer frameBuffer = ByteBuffer.allocateDirect(StreamFraming.MAX_FRAME);
    /** The first bytes of a candidate frame, for StreamFraming (which reads no more than 8 of them). */
    private final ByteBuffer framingProbe = ByteBuffer.allocate(StreamFraming.MAX_FRAME);
    private volatile @Nullable RelaySink sink;
    private @Nullable ScheduledFuture<?> sweeper;

    NettyStreams(NettyTransport transport, Io io, EventLoop loop, SslProvider tlsProvider, AtomicLong sendDrops) {
        this.transport = transport;
        this.io = io;
        this.loop = loop;
        this.tlsProvider = tlsProvider;
        this.sendDrops = sendDrops;
    }

    void start(RelaySink target) {
        sink = target;
    }

    // ------------------------------------------------------------------------------------------------
    // Listeners and accepting

    /**
     * The TLS context a listener's connections share, built once: the credentials' key manager serves their current
     * material at every handshake, so a reload needs no new context. Null for a plain TCP listener.
     */
    @Nullable SslContext tlsFor(ClientListener listener, ListenOptions options) throws IOException {
        if (listener.transport() != ClientTransport.TLS && !listener.detectTls()) {
            return null;
        }
        TlsCredentials credentials = options.tls();
        if (credentials == null) {
            throw new IOException("no TLS certificate is configured for " + listener);
        }
        try {
            return SslContextBuilder.forServer(credentials.keyManager())
                    .sslProvider(tlsProvider)
                    .protocols(TlsCredentials.ENABLED_PROTOCOLS)
                    .build();
        } catch (SSLException e) {
            throw new IOException("cannot set up TLS for " + listener + ": " + e.getMessage(), e);
        }
    }

    /** Opens {@code config}'s listener; it accepts once {@link #startAccepting} runs. */
    void listen(ClientListener config, ListenOptions options, @Nullable SslContext tls, boolean accepting) throws IOException {
        InetSocketAddress address = config.address();
        InetAddress ip = address.getAddress();
        Listener listener = new Listener(config, options.streams(), tls);
        if (ip.isAnyLocalAddress()) {
            Listener shared = dualStack.get(address.getPort());
            if (shared != null) {
                if (ip instanceof Inet6Address || !sameService(shared.config, config)) {
                    throw new IOException("port " + address.getPort() + " is already served by " + shared.config);
                }
                return; // the dual-stack listener also takes IPv4 connections
            }
            if (!(ip instanceof Inet6Address)) {
                // As with UDP: a wildcard IPv4 listener is the dual-stack IPv6 one where the host has IPv6.
                InetSocketAddress any6 = new InetSocketAddress(InetAddress.getByAddress(new byte[16]), address.getPort());
                try {
                    register(listener, open(listener, AddressFamily.IPV6, any6, options.reusePort(), accepting), true);
                    return;
                } catch (IOException e) {
                    LOG.debug("No dual-stack listener on {}: {}", any6, e.toString());
                }
            }
        }
        Channel channel = open(listener, AddressFamily.of(ip), address, options.reusePort(), accepting);
        register(listener, channel, ip.isAnyLocalAddress() && ip instanceof Inet6Address);
    }

    private static boolean sameService(ClientListener a, ClientListener b) {
        return a.transport() == b.transport() && a.detectTls() == b.detectTls();
    }

    private void register(Listener listener, Channel channel, boolean dualStackWildcard) {
        listener.channel = channel;
        listeners.add(listener);
        if (dualStackWildcard) {
            dualStack.put(listener.config.address().getPort(), listener);
        }
    }

    /** A bound listener socket; on the loop, where registering and binding complete before they return. */
    private Channel open(Listener listener, AddressFamily family, InetSocketAddress address, boolean reusePort, boolean accepting)
            throws IOException {
        ChannelFactory<ServerChannel> factory = () -> IoChannels.newServerChannel(io, family);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop, loop)
                .channelFactory(factory)
                // Lets a restarted relay bind while old connections linger in TIME_WAIT.
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .option(ChannelOption.AUTO_READ, accepting)
                // Small STUN messages and media frames must not wait for Nagle's algorithm.
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, NettyTransport.ALLOCATOR)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, listener.queue)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel child) {
                        accepted(listener, child);
                    }
                });
        if (reusePort) {
            bootstrap.option(IoChannels.reusePort(io), true);
        }
        ChannelFuture registered = bootstrap.register();
        Channel channel = registered.channel();
        ChannelFuture bound = registered.isSuccess() ? channel.bind(address) : registered;
        if (!bound.isSuccess()) {
            channel.close();
            Throwable cause = bound.cause();
            throw new IOException("cannot listen on " + NettyTransport.format(address) + ": "
                    + (cause == null ? "bind did not complete" : cause.getMessage()), cause);
        }
        return channel;
    }

    /** Listeners opened before the transport started begin to accept. */
    void startAccepting() {
        for (Listener listener : listeners) {
            Channel channel = listener.channel;
            if (channel != null) {
                channel.config().setAutoRead(true);
            }
        }
        if (!listeners.isEmpty() && sweeper == null) {
            sweeper = loop.scheduleAtFixedRate(this::sweep, SWEEP_INTERVAL_NANOS, SWEEP_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void accepted(Listener listener, Channel child) {
        RelaySink target = sink;
        InetSocketAddress remote = (InetSocketAddress) child.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) child.localAddress();
        long now = System.nanoTime();
        ClientListener config = listener.config;
        if (target == null || remote == null || local == null || !target.onConnectionAccepted(config.transport(), remote, now)) {
            child.close();
            return;
        }
        StreamConnection connection = new StreamConnection(this, child, config.transport(), local, remote, listener.settings,
                listener.queue, now);
        ChannelPipeline pipeline = child.pipeline();
        if (config.detectTls()) {
            connection.detecting = true;
            pipeline.addLast(new TlsDetector(this, connection, framingProbe));
        } else if (config.transport() == ClientTransport.TLS) {
            SslHandler tls = newSslHandler(listener, child);
            pipeline.addLast(new TlsRecordWatcher(connection, tls), tls);
        }
        pipeline.addLast(new FrameDecoder(this, connection, framingProbe), connection);
        connection.index = connections.size();
        connections.add(connection);
        if (!connection.detecting) {
            connect(connection, config.transport(), now);
        }
    }

    /** A connection of a TLS-detecting listener showed its first bytes: it is a TLS or a plain TCP client. */
    void detected(StreamConnection connection, TlsDetector detector, boolean tls) {
        connection.detecting = false;
        Listener listener = listenerOf(connection);
        SslContext context = listener == null ? null : listener.tls;
        connect(connection, tls && context != null ? ClientTransport.TLS : ClientTransport.TCP, System.nanoTime());
        if (connection.closed) {
            return;
        }
        // Removing the detector hands the bytes it holds to what follows: the SslHandler, or the frame decoder.
        ChannelPipeline pipeline = connection.channel().pipeline();
        if (tls && listener != null && context != null) {
            SslHandler handler = newSslHandler(listener, connection.channel());
            pipeline.addAfter(pipeline.context(detector).name(), "tls", handler);
            pipeline.addBefore("tls", "tls-records", new TlsRecordWatcher(connection, handler));
        }
        pipeline.remove(detector);
    }

    private @Nullable Listener listenerOf(StreamConnection connection) {
        for (Listener listener : listeners) {
            if (listener.config.detectTls() && listener.config.address().getPort() == connection.local.getPort()) {
                return listener;
            }
        }
        return null;
    }

    private static SslHandler newSslHandler(Listener listener, Channel child) {
        SslContext tls = listener.tls;
        if (tls == null) {
            throw new IllegalStateException("no TLS context for " + listener.config);
        }
        // BoringSSL refuses renegotiation itself; the JDK's engine is wrapped to refuse it.
        SslHandler handler = tls instanceof JdkSslContext
                ? new SslHandler(new RenegotiationRefusingEngine(tls.newEngine(child.alloc())))
                : tls.newHandler(child.alloc());
        handler.setHandshakeTimeoutMillis(listener.settings.tlsHandshakeTimeout().toMillis());
        return handler;
    }

    private void connect(StreamConnection connection, ClientTransport transport, long now) {
        StreamLink link = new StreamLink(transport, connection.local, connection.remote, connection);
        connection.link = link;
        RelaySink target = sink;
        if (target != null) {
            target.onClientConnected(link, now);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Reading

    /** Hands one whole frame to the sink. */
    void deliver(StreamConnection connection, ByteBuf frame) {
        try {
            RelaySink target = sink;
            StreamLink link = connection.link;
            if (connection.closed || link == null || target == null) {
                return;
            }
            int length = frame.readableBytes();
            ByteBuffer buffer = frameBuffer;
            buffer.clear().limit(length);
            frame.getBytes(frame.readerIndex(), buffer);
            buffer.clear();
            target.onClientMessage(link, buffer, 0, length, System.nanoTime());
        } catch (RuntimeException e) {
            LOG.error("Relay loop failed on a frame from {}; dropped", connection.remote, e);
        } finally {
            frame.release();
        }
    }

    void afterEvents() {
        transport.afterEvents();
    }

    // ------------------------------------------------------------------------------------------------
    // Writing

    /**
     * Whether {@code length} more bytes fit the connection's send queue. A relayed frame that does not fit is counted
     * as dropped; anything else that does not fit closes the connection ({@link CloseReason#SEND_QUEUE_FULL}).
     */
    boolean fits(StreamConnection connection, int length, boolean relayed) {
        if (connection.closed || connection.link == null) {
            return false;
        }
        long queued = connection.queuedBytes();
        if (queued > 0 && queued + length > connection.settings.sendQueueBytes() && connection.awaitingFlush) {
            // Writes wait for the end of the batch; before refusing, let the socket take what it takes now.
            connection.channel().flush();
            queued = connection.queuedBytes();
        }
        if (queued > 0 && queued + length > connection.settings.sendQueueBytes()) {
            if (relayed) {
                sendDrops.incrementAndGet();
                queueDrops.incrementAndGet(connection.transport().ordinal());
            } else {
                close(connection, CloseReason.SEND_QUEUE_FULL);
            }
            return false;
        }
        if (queued == 0) {
            connection.progressAt = System.nanoTime(); // the send-stall clock starts with a non-empty queue
        }
        return true;
    }

    void write(StreamConnection connection, ByteBuf data) {
        connection.channel().write(data, connection.channel().newPromise().addListener(connection.writeDone));
        transport.flushLater(connection);
    }

    long queueDrops(ClientTransport transport) {
        return queueDrops.get(transport.ordinal());
    }

    // ------------------------------------------------------------------------------------------------
    // Closing and timeouts

    /** Closes the connection (flushing what the socket takes now) and reports it to the sink, once. */
    void close(StreamConnection connection, CloseReason reason) {
        if (connection.closed) {
            return;
        }
        connection.closed = true;
        int last = connections.size() - 1;
        StreamConnection moved = connections.get(last);
        connections.set(connection.index, moved);
        moved.index = connection.index;
        connections.remove(last);
        Channel channel = connection.channel();
        if (channel.isActive() && reason != CloseReason.RESET) {
            channel.flush();
        }
        channel.close();
        RelaySink target = sink;
        if (target != null) {
            StreamLink link = connection.link;
            target.onConnectionClosed(link, link != null ? link.transport() : connection.acceptedAs, connection.remote, reason,
                    System.nanoTime());
        }
    }

    /** Closes the connections whose detection, partial frame or stalled send queue has waited too long. */
    private void sweep() {
        long now = System.nanoTime();
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i >= connections.size()) {
                continue;
            }
            StreamConnection connection = connections.get(i);
            CloseReason reason = overdue(connection, now);
            if (reason != null) {
                close(connection, reason);
            }
        }
        transport.afterEvents();
    }

    private static @Nullable CloseReason overdue(StreamConnection connection, long now) {
        StreamSettings settings = connection.settings;
        long partialFrame = settings.partialFrameTimeout().toNanos();
        if (connection.detecting && now - connection.acceptedAt >= partialFrame) {
            return CloseReason.PARTIAL_FRAME_TIMEOUT;
        }
        if (connection.partialSince != 0 && now - connection.partialSince >= partialFrame) {
            return CloseReason.PARTIAL_FRAME_TIMEOUT;
        }
        if (connection.partialRecordSince != 0 && now - connection.partialRecordSince >= partialFrame) {
            return CloseReason.PARTIAL_FRAME_TIMEOUT;
        }
        if (connection.queuedBytes() > 0 && now - connection.progressAt >= settings.sendStallTimeout().toNanos()) {
            return CloseReason.SEND_STALLED;
        }
        return null;
    }

    /** Closes every connection (shutdown) and every listener. */
    void closeAll(List<ChannelFuture> closing) {
        ScheduledFuture<?> sweeping = sweeper;
        if (sweeping != null) {
            sweeping.cancel(false);
            sweeper = null;
        }
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i < connections.size()) {
                StreamConnection connection = connections.get(i);
                close(connection, CloseReason.SHUTDOWN);
                closing.add(connection.channel().closeFuture());
            }
        }
        for (Listener listener : listeners) {
            Channel channel = listener.channel;
            if (channel != null) {
                closing.add(channel.close());
            }
        }
    }
}
