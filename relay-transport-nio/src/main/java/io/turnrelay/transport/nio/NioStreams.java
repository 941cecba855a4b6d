package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.RelaySink;
import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP and TLS side of the NIO transport: listeners, accepted connections, framing of what they read with
 * {@link StreamFraming}, TLS through the JDK's {@link SSLEngine} (handshakes driven by readiness, never blocking the
 * loop), bounded send queues, and the per-connection timeouts. Runs on the transport's loop thread only, on its
 * selector.
 */
final class NioStreams {
    private static final Logger LOG = LoggerFactory.getLogger(NioStreams.class);
    /** Connections taken from one listener per readiness, and reads from one connection per readiness. */
    private static final int ACCEPT_BUDGET = 64;
    private static final int READ_BUDGET = 16;
    private static final int BACKLOG = 4096;
    /** The stream timeouts are seconds long; checking them once a second is precise enough and costs little. */
    static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Room for one incomplete frame plus what one read brings. */
    private static final int READ_BUFFER_BYTES = StreamFraming.MAX_FRAME + 64 * 1024;
    /** Plain TLS overhead allowance per record when deciding whether a frame fits a send queue before wrapping it. */
    private static final int TLS_RECORD_OVERHEAD = 256;
    private static final int TLS_RECORD_PLAINTEXT = 16 * 1024;
    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Frames up to this size wait for the end of the selector pass in a per-connection buffer of this size. */
    static final int BATCH_BYTES = 4096;
    /** Free batch buffers kept per kind; more connections than this batching in one pass allocate the rest. */
    private static final int SPARE_BATCHES = 256;

    /** A TCP listener socket and what it serves. */
    record Listener(ServerSocketChannel channel, ClientListener config, StreamSettings settings, @Nullable SSLContext tls) {}

    private final Selector selector;
    private final List<Listener> listeners = new ArrayList<>();
    /** Wildcard listeners by port that also serve IPv4 (dual-stack), so an IPv4 wildcard listener there shares them. */
    private final Map<Integer, Listener> dualStack = new HashMap<>();
    private final List<NioStream> streams = new ArrayList<>();
    /** Connections with frames batched in this pass. */
    private final List<NioStream> batched = new ArrayList<>();
    /**
     * Batch buffers lent to a connection for one pass only, so they cost as many connections as send in one pass,
     * not every connection that sent lately (4 KiB each: 2,000 TLS connections doubled their heap before).
     */
    private final ArrayDeque<ByteBuffer> spareDirectBatches = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> spareHeapBatches = new ArrayDeque<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private ByteBuffer recordBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private ByteBuffer wrapBuffer = ByteBuffer.allocateDirect(8 * (TLS_RECORD_PLAINTEXT + TLS_RECORD_OVERHEAD));
    private final AtomicLong sendDrops;
    private final AtomicLongArray queueDrops = new AtomicLongArray(ClientTransport.values().length);
    private @Nullable RelaySink sink;
    private long nextSweep = Long.MAX_VALUE;

    NioStreams(Selector selector, AtomicLong sendDrops) {
        this.selector = selector;
        this.sendDrops = sendDrops;
    }

    void start(RelaySink target) {
        this.sink = target;
    }

    // ------------------------------------------------------------------------------------------------
    // Listeners and accepting

    void listen(ClientListener config, boolean reusePort, StreamSettings settings, @Nullable SSLContext tls) throws IOException {
        InetSocketAddress address = config.address();
        InetAddress ip = address.getAddress();
        if (ip.isAnyLocalAddress()) {
            Listener shared = dualStack.get(address.getPort());
            if (shared != null) {
                if (ip instanceof Inet6Address || !sameService(shared, config)) {
                    throw new IOException("port " + address.getPort() + " is already served by " + shared.config());
                }
                return; // the dual-stack listener also takes IPv4 connections
            }
            if (!(ip instanceof Inet6Address)) {
                // As with UDP: a wildcard IPv4 listener is the dual-stack IPv6 one where the host has IPv6.
                ServerSocketChannel dual = tryOpen(StandardProtocolFamily.INET6, new InetSocketAddress(wildcardIpv6(), address.getPort()), reusePort);
                if (dual != null) {
                    register(new Listener(dual, config, settings, tls), true);
                    return;
                }
            }
        }
        ServerSocketChannel channel = open(ip instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET, address, reusePort);
        register(new Listener(channel, config, settings, tls), ip.isAnyLocalAddress() && ip instanceof Inet6Address);
    }

    private static boolean sameService(Listener listener, ClientListener config) {
        return listener.config().transport() == config.transport() && listener.config().detectTls() == config.detectTls();
    }

    private void register(Listener listener, boolean dualStackWildcard) throws IOException {
        listener.channel().register(selector, SelectionKey.OP_ACCEPT, listener);
        listeners.add(listener);
        if (dualStackWildcard) {
            dualStack.put(listener.config().address().getPort(), listener);
        }
    }

    private static @Nullable ServerSocketChannel tryOpen(ProtocolFamily family, InetSocketAddress address, boolean reusePort) {
        try {
            return open(family, address, reusePort);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static ServerSocketChannel open(ProtocolFamily family, InetSocketAddress address, boolean reusePort) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family);
        try {
            channel.configureBlocking(false);
            // Lets a restarted relay bind while old connections linger in TIME_WAIT.
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(address, BACKLOG);
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    void accept(SelectionKey key, long now) {
        Listener listener = (Listener) key.attachment();
        RelaySink target = sink;
        if (target == null || !key.isValid()) {
            return;
        }
        for (int i = 0; i < ACCEPT_BUDGET; i++) {
            SocketChannel channel;
            try {
                channel = listener.channel().accept();
            } catch (IOException e) {
                LOG.debug("Accept on {} failed: {}", listener.config(), e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            accepted(listener, channel, target, now);
        }
    }

    private void accepted(Listener listener, SocketChannel channel, RelaySink target, long now) {
        ClientListener config = listener.config();
        InetSocketAddress remote;
        InetSocketAddress local;
        try {
            remote = (InetSocketAddress) channel.getRemoteAddress();
            local = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            closeQuietly(channel);
            return;
        }
        if (!target.onConnectionAccepted(config.transport(), remote, now)) {
            closeQuietly(channel);
            return;
        }
        NioStream stream;
        try {
            channel.configureBlocking(false);
            // Small STUN messages and media frames must not wait for Nagle's algorithm.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            stream = new NioStream(channel, key, config.transport(), local, remote, listener.settings(), now);
            key.attach(stream);
        } catch (IOException e) {
            closeQuietly(channel);
            target.onConnectionClosed(null, config.transport(), remote, CloseReason.RESET, now);
            return;
        }
        stream.index = streams.size();
        streams.add(stream);
        scheduleSweep(now);
        if (config.detectTls()) {
            stream.detecting = true;
            stream.engine = null;
            return;
        }
        if (config.transport() == ClientTransport.TLS) {
            SSLContext tls = listener.tls();
            if (tls == null) {
                close(stream, CloseReason.TLS_FAILURE, now);
                return;
            }
            stream.engine = newEngine(tls);
        }
        connect(stream, config.transport(), now);
    }

    private void connect(NioStream stream, ClientTransport transport, long now) {
        NioStreamLink link = new NioStreamLink(transport, stream.local, stream.remote, stream);
        stream.link = link;
        RelaySink target = sink;
        if (target != null) {
            target.onClientConnected(link, now);
        }
    }

    private static SSLEngine newEngine(SSLContext tls) {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        List<String> supported = List.of(engine.getSupportedProtocols());
        engine.setEnabledProtocols(List.of(TLS_PROTOCOLS).stream().filter(supported::contains).toArray(String[]::new));
        return engine;
    }

    // ------------------------------------------------------------------------------------------------
    // Reading

    void readable(NioStream stream, long now) {
        for (int i = 0; i < READ_BUDGET && !stream.closed; i++) {
            boolean more = stream.engine != null ? readTls(stream, now) : readPlain(stream, now);
            if (!more) {
                return;
            }
        }
    }

    /** Reads plaintext and delivers its frames; false when there is nothing more to read now. */
    private boolean readPlain(NioStream stream, long now) {
        ByteBuffer buffer = readBuffer;
        buffer.clear();
        takePendingInput(stream, buffer);
        int read = read(stream, buffer, now);
        if (read < 0) {
            return false;
        }
        int end = buffer.position();
        if (stream.detecting) {
            if (!detect(stream, buffer, end, now)) {
                keepPendingInput(stream, buffer, 0, end, now);
                return false;
            }
            if (stream.engine != null) {
                // A TLS client: what arrived is ciphertext.
                keepPendingRecord(stream, buffer, 0, end);
                stream.pendingInput = null;
                stream.pendingInputLength = 0;
                stream.partialSince = 0;
                return readTls(stream, now);
            }
        }
        deliver(stream, buffer, end, now);
        return read > 0 && !buffer.hasRemaining();
    }

    /** Decides whether a connection of a TLS-detecting listener speaks TLS; false while too few bytes tell. */
    private boolean detect(NioStream stream, ByteBuffer buffer, int end, long now) {
        if (end == 0) {
            return false;
        }
        boolean tls = buffer.get(0) == 0x16;
        if (tls && end < StreamFraming.TLS_SNIFF_BYTES) {
            return false;
        }
        tls = tls && StreamFraming.looksLikeTlsClientHello(buffer, 0, end);
        stream.detecting = false;
        SSLContext context = listenerTls(stream);
        if (tls && context != null) {
            stream.engine = newEngine(context);
            connect(stream, ClientTransport.TLS, now);
        } else {
            connect(stream, ClientTransport.TCP, now);
        }
        return true;
    }

    private @Nullable SSLContext listenerTls(NioStream stream) {
        for (Listener listener : listeners) {
            if (listener.config().detectTls() && listener.channel().isOpen()
                    && listener.config().address().getPort() == stream.local.getPort()) {
                return listener.tls();
            }
        }
        return null;
    }

    /** Reads TLS records, unwraps them and delivers the frames; false when there is nothing more to read now. */
    private boolean readTls(NioStream stream, long now) {
        SSLEngine engine = stream.engine;
        if (engine == null) {
            return false;
        }
        ByteBuffer records = recordBuffer;
        records.clear();
        takePendingRecord(stream, records);
        int read = read(stream, records, now);
        if (read < 0) {
            return false;
        }
        records.flip();
        ByteBuffer plain = readBuffer;
        plain.clear();
        takePendingInput(stream, plain);
        try {
            while (records.hasRemaining() && !stream.closed) {
                SSLEngineResult result = engine.unwrap(records, plain);
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    break;
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    if (!deliverToMakeRoom(stream, plain, now)) {
                        return false;
                    }
                    continue;
                }
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    // close_notify: what came before it still counts.
                    deliver(stream, plain, plain.position(), now);
                    close(stream, CloseReason.CLIENT_CLOSED, now);
                    return false;
                }
                if (!afterTlsStep(stream, engine, result, now)) {
                    return false;
                }
            }
        } catch (SSLException e) {
            LOG.debug("TLS from {} failed: {}", stream.remote, e.toString());
            close(stream, CloseReason.TLS_FAILURE, now);
            return false;
        }
        if (stream.closed) {
            return false;
        }
        keepPendingRecord(stream, records, records.position(), records.limit());
        if (records.hasRemaining() && stream.partialSince == 0) {
            stream.partialSince = now;
        }
        if (stream.handshakeDone) {
            deliver(stream, plain, plain.position(), now);
        } else {
            keepPendingInput(stream, plain, 0, plain.position(), now);
        }
        return read > 0 && records.limit() == records.capacity();
    }

    /**
     * After one wrap or unwrap: runs delegated tasks (certificate work; on this thread, never blocking on IO), sends
     * what the handshake needs, notes its end, and refuses renegotiation. False when the connection was closed.
     */
    private boolean afterTlsStep(NioStream stream, SSLEngine engine, SSLEngineResult result, long now) throws SSLException {
        SSLEngineResult.HandshakeStatus status = result.getHandshakeStatus();
        if (status == SSLEngineResult.HandshakeStatus.FINISHED) {
            stream.handshakeDone = true;
        } else if (stream.handshakeDone && status != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && "TLSv1.2".equals(engine.getSession().getProtocol())) {
            // A TLS 1.2 handshake after the first one is a renegotiation (TLS 1.3 has none; its post-handshake
            // messages are key updates and tickets): refused, as RFC 7525 recommends.
            close(stream, CloseReason.TLS_FAILURE, now);
            return false;
        }
        while (!stream.closed) {
            status = engine.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
            } else if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                SSLEngineResult wrapped = wrap(stream, engine, EMPTY, now);
                if (wrapped == null) {
                    return false;
                }
                if (wrapped.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                    stream.handshakeDone = true;
                }
                if (wrapped.getStatus() == SSLEngineResult.Status.CLOSED) {
                    close(stream, CloseReason.CLIENT_CLOSED, now);
                    return false;
                }
            } else {
                break;
            }
        }
        if (!stream.handshakeDone && status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                && !"NONE".equals(engine.getSession().getProtocol())) {
            stream.handshakeDone = true;
        }
        return !stream.closed;
    }

    /** Reads into {@code buffer}; -1 when the connection ended (it is closed then), else the bytes read. */
    private int read(NioStream stream, ByteBuffer buffer, long now) {
        int read;
        try {
            read = stream.channel.read(buffer);
        } catch (IOException e) {
            close(stream, CloseReason.RESET, now);
            return -1;
        }
        if (read < 0) {
            close(stream, CloseReason.CLIENT_CLOSED, now);
            return -1;
        }
        return read;
    }

    /** Hands every whole frame in {@code [0, end)} of {@code buffer} to the sink and keeps an incomplete rest. */
    private void deliver(NioStream stream, ByteBuffer buffer, int end, long now) {
        int consumed = deliverFrames(stream, buffer, end, now);
        if (consumed >= 0) {
            keepPendingInput(stream, buffer, consumed, end, now);
        }
    }

    /** Delivers whole frames of {@code [0, position)} and moves the rest to the front; false when closed meanwhile. */
    private boolean deliverToMakeRoom(NioStream stream, ByteBuffer buffer, long now) {
        int end = buffer.position();
        int consumed = deliverFrames(stream, buffer, end, now);
        if (consumed < 0) {
            return false;
        }
        if (consumed == 0 && end >= StreamFraming.MAX_FRAME) {
            close(stream, CloseReason.INVALID_FRAME, now); // cannot happen: a frame is never longer
            return false;
        }
        buffer.limit(end).position(consumed);
        buffer.compact();
        return true;
    }

    /** The number of bytes consumed by whole frames, or -1 when the connection was closed meanwhile. */
    private int deliverFrames(NioStream stream, ByteBuffer buffer, int end, long now) {
        NioStreamLink link = stream.link;
        RelaySink target = sink;
        if (link == null || target == null) {
            return 0;
        }
        int offset = 0;
        while (offset < end) {
            // Sends from this buffer move its limit; framing needs it back.
            buffer.limit(buffer.capacity());
            int length = StreamFraming.frameLength(buffer, offset, end - offset);
            if (length == StreamFraming.INVALID) {
                close(stream, CloseReason.INVALID_FRAME, now);
                return -1;
            }
            if (length == StreamFraming.NEED_MORE) {
                break;
            }
            target.onClientMessage(link, buffer, offset, length, now);
            if (stream.closed) {
                return -1;
            }
            offset += length;
        }
        buffer.limit(buffer.capacity()).position(end);
        return offset;
    }

    private static void takePendingInput(NioStream stream, ByteBuffer buffer) {
        byte[] pending = stream.pendingInput;
        if (pending != null) {
            buffer.put(pending, 0, stream.pendingInputLength);
            stream.pendingInput = null;
            stream.pendingInputLength = 0;
        }
    }

    private static void keepPendingInput(NioStream stream, ByteBuffer buffer, int from, int to, long now) {
        if (stream.closed) {
            return;
        }
        int length = to - from;
        if (length == 0) {
            stream.pendingInput = null;
            stream.pendingInputLength = 0;
            if (stream.pendingRecordLength == 0) {
                stream.partialSince = 0;
            }
            return;
        }
        byte[] copy = new byte[length];
        buffer.get(from, copy);
        stream.pendingInput = copy;
        stream.pendingInputLength = length;
        if (stream.partialSince == 0) {
            stream.partialSince = now;
        }
    }

    private static void takePendingRecord(NioStream stream, ByteBuffer buffer) {
        byte[] pending = stream.pendingRecord;
        if (pending != null) {
            buffer.put(pending, 0, stream.pendingRecordLength);
            stream.pendingRecord = null;
            stream.pendingRecordLength = 0;
        }
    }

    private static void keepPendingRecord(NioStream stream, ByteBuffer buffer, int from, int to) {
        int length = to - from;
        if (length == 0) {
            stream.pendingRecord = null;
            stream.pendingRecordLength = 0;
            return;
        }
        byte[] copy = new byte[length];
        buffer.get(from, copy);
        stream.pendingRecord = copy;
        stream.pendingRecordLength = length;
    }

    // ------------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes {@code length} bytes at {@code offset} of {@code buffer} to the connection, queueing what the socket does
     * not take. A {@code relayed} frame that does not fit the queue is dropped (false); anything else that does not
     * fit closes the connection.
     */
    boolean write(NioStream stream, ByteBuffer buffer, int offset, int length, boolean relayed, long now) {
        if (stream.closed || stream.link == null) {
            return false;
        }
        SSLEngine engine = stream.engine;
        if (engine != null && !stream.handshakeDone) {
            return false;
        }
        int needed = engine == null ? length : length + (length / TLS_RECORD_PLAINTEXT + 1) * TLS_RECORD_OVERHEAD;
        int waiting = stream.queuedBytes() + stream.batchedBytes();
        if (waiting > 0 && waiting + needed > stream.settings.sendQueueBytes()) {
            return refuse(stream, relayed, now);
        }
        buffer.limit(offset + length).position(offset);
        if (length <= BATCH_BYTES) {
            return batch(stream, buffer, engine, now);
        }
        return flushBatch(stream, now) && writeNow(stream, buffer, now);
    }

    /**
     * Keeps a small frame for the end of this selector pass, when all of the connection's frames go out in one write
     * (and over TLS in one record): one system call for many frames, as coturn's write batching does.
     */
    private boolean batch(NioStream stream, ByteBuffer data, @Nullable SSLEngine engine, long now) {
        ByteBuffer batch = stream.batch;
        if (batch == null) {
            batch = borrowBatch(engine != null);
            stream.batch = batch;
        } else if (batch.remaining() < data.remaining() && !flushBatch(stream, now)) {
            return false;
        }
        batch.put(data);
        if (!stream.batched) {
            stream.batched = true;
            batched.add(stream);
        }
        return true;
    }

    /** The end of a selector pass (or of tasks and timers): what every connection batched goes out now. */
    void flushBatches(long now) {
        for (int i = 0; i < batched.size(); i++) {
            NioStream stream = batched.get(i);
            stream.batched = false;
            flushBatch(stream, now);
            returnBatch(stream);
        }
        batched.clear();
    }

    private ByteBuffer borrowBatch(boolean tls) {
        ByteBuffer spare = (tls ? spareHeapBatches : spareDirectBatches).poll();
        if (spare != null) {
            return spare;
        }
        // Direct for the socket's write; heap for the JDK's SSLEngine, whose AES-GCM is faster on arrays.
        return tls ? ByteBuffer.allocate(BATCH_BYTES) : ByteBuffer.allocateDirect(BATCH_BYTES);
    }

    /** Takes back an emptied batch buffer (flushed, or dropped with its closed connection). */
    private void returnBatch(NioStream stream) {
        ByteBuffer batch = stream.batch;
        if (batch == null) {
            return;
        }
        stream.batch = null;
        batch.clear();
        ArrayDeque<ByteBuffer> spares = batch.isDirect() ? spareDirectBatches : spareHeapBatches;
        if (spares.size() < SPARE_BATCHES) {
            spares.push(batch);
        }
    }

    /** Writes the connection's batched frames; false when that closed it. */
    private boolean flushBatch(NioStream stream, long now) {
        ByteBuffer batch = stream.batch;
        if (batch == null || batch.position() == 0 || stream.closed) {
            return !stream.closed;
        }
        batch.flip();
        boolean written = writeNow(stream, batch, now);
        batch.clear();
        return written;
    }

    /** Writes (or queues what the socket does not take) plaintext now: as it is, or wrapped into TLS records. */
    private boolean writeNow(NioStream stream, ByteBuffer buffer, long now) {
        SSLEngine engine = stream.engine;
        if (engine == null) {
            return writeOrQueue(stream, buffer, now);
        }
        try {
            while (buffer.hasRemaining() && !stream.closed) {
                SSLEngineResult result = wrap(stream, engine, buffer, now);
                if (result == null || result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return false;
                }
            }
        } catch (SSLException e) {
            close(stream, CloseReason.TLS_FAILURE, now);
            return false;
        }
        return !stream.closed;
    }

    private boolean refuse(NioStream stream, boolean relayed, long now) {
        if (relayed) {
            sendDrops.incrementAndGet();
            queueDrops.incrementAndGet(stream.link == null ? stream.acceptedAs.ordinal() : stream.link.transport().ordinal());
            return false;
        }
        close(stream, CloseReason.SEND_QUEUE_FULL, now);
        return false;
    }

    /** Wraps (part of) {@code plain} into one or more records and writes or queues them; null when it closed the connection. */
    private @Nullable SSLEngineResult wrap(NioStream stream, SSLEngine engine, ByteBuffer plain, long now) throws SSLException {
        ByteBuffer out = wrapBuffer;
        int packet = engine.getSession().getPacketBufferSize();
        if (out.capacity() < 2 * packet) {
            out = ByteBuffer.allocateDirect(8 * packet);
            wrapBuffer = out;
        }
        out.clear();
        SSLEngineResult result = engine.wrap(plain, out);
        out.flip();
        if (out.hasRemaining() && !writeOrQueue(stream, out, now)) {
            return null;
        }
        return result;
    }

    /** Writes what the socket takes now and queues the rest; false when the connection was closed. */
    private boolean writeOrQueue(NioStream stream, ByteBuffer data, long now) {
        if (stream.queuedBytes() == 0) {
            try {
                stream.channel.write(data);
            } catch (IOException e) {
                close(stream, CloseReason.RESET, now);
                return false;
            }
            if (!data.hasRemaining()) {
                return true;
            }
            stream.sendProgressAt = now;
            stream.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
        enqueue(stream, data);
        return true;
    }

    private static void enqueue(NioStream stream, ByteBuffer data) {
        ByteBuffer queue = stream.sendQueue;
        int needed = (queue == null ? 0 : queue.remaining()) + data.remaining();
        if (queue == null || queue.capacity() - queue.remaining() < data.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(8192, Integer.highestOneBit(needed - 1) << 1));
            if (queue != null) {
                bigger.put(queue);
            }
            queue = bigger;
        } else {
            queue.compact();
        }
        queue.put(data);
        queue.flip();
        stream.sendQueue = queue;
    }

    /** The socket takes bytes again: writes the queue; an emptied queue is released. */
    void writable(NioStream stream, long now) {
        ByteBuffer queue = stream.sendQueue;
        if (queue == null || stream.closed) {
            return;
        }
        int before = queue.remaining();
        try {
            stream.channel.write(queue);
        } catch (IOException e) {
            close(stream, CloseReason.RESET, now);
            return;
        }
        if (!queue.hasRemaining()) {
            stream.sendQueue = null;
            stream.key.interestOps(SelectionKey.OP_READ);
        } else if (queue.remaining() < before) {
            stream.sendProgressAt = now;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Closing and timeouts

    /** Closes the connection and reports it once; a TLS connection says close_notify first where the socket takes it. */
    void close(NioStream stream, CloseReason reason, long now) {
        if (stream.closed) {
            return;
        }
        if (reason != CloseReason.RESET && reason != CloseReason.CLIENT_CLOSED) {
            flushBatch(stream, now); // may itself find the socket reset and close
            if (stream.closed) {
                return;
            }
        }
        stream.closed = true;
        SSLEngine engine = stream.engine;
        if (engine != null && stream.handshakeDone && reason != CloseReason.RESET) {
            sayCloseNotify(stream, engine);
        }
        stream.key.cancel();
        closeQuietly(stream.channel);
        int last = streams.size() - 1;
        NioStream moved = streams.get(last);
        streams.set(stream.index, moved);
        moved.index = stream.index;
        streams.remove(last);
        stream.sendQueue = null;
        returnBatch(stream);
        stream.pendingInput = null;
        stream.pendingRecord = null;
        // The link may outlive the connection in the server's state for a moment; the engine's keys need not.
        stream.engine = null;
        RelaySink target = sink;
        if (target != null) {
            target.onConnectionClosed(stream.link, stream.link != null ? stream.link.transport() : stream.acceptedAs, stream.remote, reason, now);
        }
    }

    private void sayCloseNotify(NioStream stream, SSLEngine engine) {
        try {
            ByteBuffer queue = stream.sendQueue;
            if (queue != null) {
                stream.channel.write(queue);
                if (queue.hasRemaining()) {
                    return;
                }
            }
            engine.closeOutbound();
            ByteBuffer out = wrapBuffer;
            out.clear();
            engine.wrap(EMPTY, out);
            out.flip();
            stream.channel.write(out);
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    /** When the loop next has to look at the connections' timeouts. */
    long nextDeadline() {
        return streams.isEmpty() ? Long.MAX_VALUE : nextSweep;
    }

    private void scheduleSweep(long now) {
        if (nextSweep == Long.MAX_VALUE) {
            nextSweep = now + SWEEP_INTERVAL_NANOS;
        }
    }

    /** Closes the connections whose handshake, partial frame or stalled send queue has waited too long. */
    void sweep(long now) {
        if (now < nextSweep) {
            return;
        }
        nextSweep = streams.isEmpty() ? Long.MAX_VALUE : now + SWEEP_INTERVAL_NANOS;
        for (int i = streams.size() - 1; i >= 0; i--) {
            if (i >= streams.size()) {
                continue;
            }
            NioStream stream = streams.get(i);
            CloseReason reason = overdue(stream, now);
            if (reason != null) {
                close(stream, reason, now);
            }
        }
    }

    private static @Nullable CloseReason overdue(NioStream stream, long now) {
        StreamSettings settings = stream.settings;
        if (stream.detecting && now - stream.acceptedAt >= settings.partialFrameTimeout().toNanos()) {
            return CloseReason.PARTIAL_FRAME_TIMEOUT;
        }
        if (stream.engine != null && !stream.handshakeDone && now - stream.acceptedAt >= settings.tlsHandshakeTimeout().toNanos()) {
            return CloseReason.TLS_HANDSHAKE_TIMEOUT;
        }
        if (stream.handshakeDone || stream.engine == null) {
            if (stream.partialSince != 0 && now - stream.partialSince >= settings.partialFrameTimeout().toNanos()) {
                return CloseReason.PARTIAL_FRAME_TIMEOUT;
            }
        }
        if (stream.sendQueue != null && now - stream.sendProgressAt >= settings.sendStallTimeout().toNanos()) {
            return CloseReason.SEND_STALLED;
        }
        return null;
    }

    /** Closes every connection (shutdown) and every listener. */
    void closeAll(long now) {
        for (int i = streams.size() - 1; i >= 0; i--) {
            if (i < streams.size()) {
                close(streams.get(i), CloseReason.SHUTDOWN, now);
            }
        }
        for (Listener listener : listeners) {
            closeQuietly(listener.channel());
        }
    }

    int connections() {
        return streams.size();
    }

    long queueDrops(ClientTransport transport) {
        return queueDrops.get(transport.ordinal());
    }

    private static InetAddress wildcardIpv6() {
        try {
            return InetAddress.getByAddress(new byte[16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("16 bytes are an IPv6 address", e);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing a socket failed", e);
        }
    }
}
