package io.turnrelay.bench.load;

import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * The client end of one TURN-over-TCP or TURN-over-TLS connection: a {@link SocketChannel}, the JDK's
 * {@link SSLEngine} for TLS, and frames cut by their own lengths with {@link StreamFraming}.
 *
 * <p>Two modes. During setup and teardown the channel blocks: {@link #writeBlocking} and
 * {@link #readFrameBlocking} (timed reads through the socket adaptor). During the data phase it does not:
 * {@link #write} queues what the socket does not take, {@link #read} delivers whole frames to a callback.
 * Working buffers are per thread ({@link Scratch}); a connection keeps only the bytes of an incomplete TLS
 * record or frame and an unsent rest, each only while it holds something, so 10,000 idle connections cost
 * little besides their sockets and engines.
 */
final class StreamConnection implements AutoCloseable {
    /** An unsent rest larger than this makes {@link #write} refuse further frames until it drains. */
    static final int MAX_QUEUED_BYTES = 256 * 1024;

    private final SocketChannel channel;
    private final @Nullable SSLEngine engine;
    private byte @Nullable [] pendingCipher;
    private byte @Nullable [] pendingPlain;
    private @Nullable ByteBuffer unsent;
    private boolean ended;

    private StreamConnection(SocketChannel channel, @Nullable SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
    }

    /** Receives whole frames read in the data phase; the buffer is only valid during the call. */
    @FunctionalInterface
    interface FrameSink {
        void frame(ByteBuffer buffer, int offset, int length);
    }

    /**
     * Connects from {@code local} (port 0: an ephemeral one) to {@code server}, with TCP_NODELAY, and with a
     * finished TLS handshake when {@code tls} is given. Blocking, bounded by {@code timeoutMillis} per step.
     */
    static StreamConnection open(InetSocketAddress local, InetSocketAddress server, @Nullable SSLContext tls,
            String @Nullable [] tlsProtocols, boolean verifyHostname, int timeoutMillis) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.bind(local);
            channel.socket().connect(server, timeoutMillis);
            SSLEngine engine = null;
            if (tls != null) {
                engine = tls.createSSLEngine(server.getAddress().getHostAddress(), server.getPort());
                engine.setUseClientMode(true);
                SSLParameters parameters = engine.getSSLParameters();
                if (tlsProtocols != null) {
                    parameters.setProtocols(tlsProtocols);
                }
                if (verifyHostname) {
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                }
                engine.setSSLParameters(parameters);
            }
            StreamConnection connection = new StreamConnection(channel, engine);
            if (engine != null) {
                connection.handshake(timeoutMillis);
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    SocketChannel channel() {
        return channel;
    }

    /** The negotiated TLS protocol and cipher suite, or "tcp". */
    String describe() {
        SSLEngine e = engine;
        return e == null ? "tcp" : e.getSession().getProtocol() + " " + e.getSession().getCipherSuite();
    }

    /** Whether bytes wait to be written (the data phase then wants OP_WRITE). */
    boolean hasUnsent() {
        return unsentBytes() > 0;
    }

    /** Whether the server closed the connection (end of stream, reset or a TLS close). */
    boolean ended() {
        return ended;
    }

    // ------------------------------------------------------------------------------------------------
    // Blocking mode: setup and teardown

    private void handshake(int timeoutMillis) throws IOException {
        SSLEngine e = engine;
        if (e == null) {
            return;
        }
        Scratch s = Scratch.get();
        e.beginHandshake();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            SSLEngineResult.HandshakeStatus status = e.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> {
                    for (Runnable task; (task = e.getDelegatedTask()) != null; ) {
                        task.run();
                    }
                }
                case NEED_WRAP -> {
                    s.cipherOut.clear();
                    SSLEngineResult result = e.wrap(Scratch.EMPTY, s.cipherOut);
                    s.cipherOut.flip();
                    writeFully(s.cipherOut);
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("TLS closed during the handshake");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    ByteBuffer cipher = s.cipherIn;
                    cipher.clear();
                    takePendingCipher(cipher);
                    cipher.flip();
                    SSLEngineResult result;
                    s.plainIn.clear();
                    result = e.unwrap(cipher, s.plainIn);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            || (result.bytesConsumed() == 0 && result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP)) {
                        // Not a whole record yet: read more (after what is already there).
                        cipher.compact();
                        readBlocking(cipher, deadline);
                        cipher.flip();
                        result = null;
                    }
                    keepPendingCipher(cipher);
                    if (result != null && s.plainIn.position() > 0) {
                        keepPendingPlain(s.plainIn, 0, s.plainIn.position());
                    }
                    if (result != null && result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("TLS closed during the handshake");
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    // Records that came with the last handshake flight (e.g. TLS 1.3 session tickets) are read
                    // now, so nothing whole stays behind for a later read to wait for.
                    if (pendingCipher != null) {
                        ByteBuffer cipher = s.cipherIn;
                        cipher.clear();
                        takePendingCipher(cipher);
                        cipher.flip();
                        unwrapAll(e, cipher, s);
                        keepPendingCipher(cipher);
                    }
                    return;
                }
                default -> throw new SSLException("unexpected handshake status " + status);
            }
        }
    }

    /** Writes one frame (a STUN message or padded ChannelData), whole, in blocking mode. */
    void writeBlocking(ByteBuffer frame) throws IOException {
        SSLEngine e = engine;
        if (e == null) {
            writeFully(frame);
            return;
        }
        Scratch s = Scratch.get();
        while (frame.hasRemaining()) {
            s.cipherOut.clear();
            SSLEngineResult result = e.wrap(frame, s.cipherOut);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                throw new SSLException("wrap: " + result.getStatus());
            }
            s.cipherOut.flip();
            writeFully(s.cipherOut);
        }
    }

    /** The next whole frame, copied, or null once {@code timeoutMillis} passed without one. Blocking mode. */
    byte @Nullable [] readFrameBlocking(int timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        Scratch s = Scratch.get();
        while (true) {
            byte[] frame = takeFrame();
            if (frame != null) {
                return frame;
            }
            if (ended) {
                throw new IOException("the server closed the connection");
            }
            SSLEngine e = engine;
            ByteBuffer target = e == null ? s.plainIn : s.cipherIn;
            target.clear();
            if (e == null) {
                takePendingPlain(target);
            } else {
                takePendingCipher(target);
            }
            try {
                readBlocking(target, deadline);
            } catch (SocketTimeoutException timeout) {
                keepPending(target);
                return null;
            }
            if (e == null) {
                keepPendingPlain(target, 0, target.position());
            } else {
                target.flip();
                unwrapAll(e, target, s);
                keepPendingCipher(target);
            }
        }
    }

    /** Cuts the first whole frame off the pending plaintext, or null when there is none yet. */
    private byte @Nullable [] takeFrame() throws IOException {
        byte[] plain = pendingPlain;
        if (plain == null) {
            return null;
        }
        ByteBuffer view = ByteBuffer.wrap(plain);
        int length = StreamFraming.frameLength(view, 0, plain.length);
        if (length == StreamFraming.INVALID) {
            throw new IOException("the server sent bytes that are neither STUN nor ChannelData");
        }
        if (length == StreamFraming.NEED_MORE) {
            return null;
        }
        byte[] frame = new byte[length];
        System.arraycopy(plain, 0, frame, 0, length);
        pendingPlain = length == plain.length ? null : java.util.Arrays.copyOfRange(plain, length, plain.length);
        return frame;
    }

    private void keepPending(ByteBuffer target) {
        if (engine == null) {
            keepPendingPlain(target, 0, target.position());
        } else {
            target.flip();
            keepPendingCipher(target);
        }
    }

    /** Unwraps every whole record in {@code cipher} (position to limit) into the pending plaintext. */
    private void unwrapAll(SSLEngine e, ByteBuffer cipher, Scratch s) throws IOException {
        ByteBuffer plain = s.plainIn;
        plain.clear();
        takePendingPlain(plain);
        while (cipher.hasRemaining()) {
            SSLEngineResult result = e.unwrap(cipher, plain);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                break;
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new IOException("more than " + plain.capacity() + " bytes of plaintext pending");
            }
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                ended = true;
                break;
            }
            runTasksAndWrapIfNeeded(e, s);
        }
        keepPendingPlain(plain, 0, plain.position());
    }

    /** TLS 1.3 post-handshake messages (a KeyUpdate) may ask to write; blocking mode writes at once. */
    private void runTasksAndWrapIfNeeded(SSLEngine e, Scratch s) throws IOException {
        while (true) {
            SSLEngineResult.HandshakeStatus status = e.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                for (Runnable task; (task = e.getDelegatedTask()) != null; ) {
                    task.run();
                }
            } else if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                s.cipherOut.clear();
                e.wrap(Scratch.EMPTY, s.cipherOut);
                s.cipherOut.flip();
                if (channel.isBlocking()) {
                    writeFully(s.cipherOut);
                } else {
                    queueOrWrite(s.cipherOut);
                }
            } else {
                return;
            }
        }
    }

    private void readBlocking(ByteBuffer into, long deadline) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
            throw new SocketTimeoutException("timed out");
        }
        channel.socket().setSoTimeout((int) left);
        InputStream in = channel.socket().getInputStream();
        int read;
        if (into.hasArray()) {
            read = in.read(into.array(), into.arrayOffset() + into.position(), into.remaining());
            if (read > 0) {
                into.position(into.position() + read);
            }
        } else {
            throw new IllegalArgumentException("blocking reads need a heap buffer");
        }
        if (read < 0) {
            ended = true;
            throw new IOException("the server closed the connection");
        }
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Non-blocking mode: the data phase, on one thread

    /**
     * Sends one frame (position to limit) without blocking: written, or queued behind an unsent rest when the
     * socket takes only part of it. False, and nothing sent, when more than {@link #MAX_QUEUED_BYTES} are waiting
     * or the connection failed: the caller counts a send error.
     */
    boolean write(ByteBuffer frame) {
        try {
            if (hasUnsent()) {
                flush();
                if (unsentBytes() > MAX_QUEUED_BYTES) {
                    return false;
                }
            }
            SSLEngine e = engine;
            if (e == null) {
                queueOrWrite(frame);
                return true;
            }
            Scratch s = Scratch.get();
            while (frame.hasRemaining()) {
                s.cipherOut.clear();
                SSLEngineResult result = e.wrap(frame, s.cipherOut);
                if (result.getStatus() != SSLEngineResult.Status.OK) {
                    return false;
                }
                s.cipherOut.flip();
                queueOrWrite(s.cipherOut);
            }
            return true;
        } catch (IOException e) {
            ended = true;
            return false;
        }
    }

    /** Writes what is queued; true when nothing is left. */
    boolean flush() throws IOException {
        ByteBuffer queue = unsent;
        if (queue == null) {
            return true;
        }
        queue.flip();
        channel.write(queue);
        queue.compact();
        if (queue.position() == 0) {
            unsent = null;
            return true;
        }
        return false;
    }

    private int unsentBytes() {
        ByteBuffer queue = unsent;
        return queue == null ? 0 : queue.position();
    }

    /** Writes {@code bytes} now, or appends what the socket did not take (or all, behind a queue) to the queue. */
    private void queueOrWrite(ByteBuffer bytes) throws IOException {
        if (!hasUnsent()) {
            channel.write(bytes);
            if (!bytes.hasRemaining()) {
                return;
            }
        }
        ByteBuffer queue = unsent;
        int needed = unsentBytes() + bytes.remaining();
        if (queue == null || queue.capacity() < needed) {
            ByteBuffer grown = ByteBuffer.allocate(Math.max(needed, queue == null ? 4096 : 2 * queue.capacity()));
            if (queue != null) {
                queue.flip();
                grown.put(queue);
            }
            queue = grown;
            unsent = queue;
        }
        queue.put(bytes);
    }

    /**
     * Reads what the socket has (once) and hands each whole frame to {@code sink}. Returns the bytes read, 0 when
     * none were waiting, -1 when the server closed the connection.
     */
    int read(FrameSink sink) throws IOException {
        Scratch s = Scratch.get();
        SSLEngine e = engine;
        // Heap buffers for TLS: on JDK 17 the SSLEngine's AES-GCM takes a per-block path without the AES/GHASH
        // intrinsics when handed direct buffers (a profile of this loop showed GHASH.processBlock on top).
        ByteBuffer plain = e == null ? s.plainDirect : s.plainIn;
        plain.clear();
        takePendingPlain(plain);
        int read;
        if (e == null) {
            read = channel.read(plain);
        } else {
            ByteBuffer cipher = s.cipherIn;
            cipher.clear();
            takePendingCipher(cipher);
            read = channel.read(cipher);
            cipher.flip();
            while (cipher.hasRemaining()) {
                SSLEngineResult result = e.unwrap(cipher, plain);
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    break;
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    int consumed = deliver(plain, plain.position(), sink);
                    plain.limit(plain.position()).position(consumed);
                    plain.compact();
                    continue;
                }
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    ended = true;
                    break;
                }
                if (result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                        && result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.FINISHED) {
                    runTasksAndWrapIfNeeded(e, s);
                }
            }
            keepPendingCipher(cipher);
        }
        int end = plain.position();
        int consumed = deliver(plain, end, sink);
        keepPendingPlain(plain, consumed, end);
        if (read < 0) {
            ended = true;
        }
        return read;
    }

    /** Delivers the whole frames of {@code [0, end)}; returns how many bytes they took. */
    private int deliver(ByteBuffer plain, int end, FrameSink sink) throws IOException {
        int offset = 0;
        while (offset < end) {
            int length = StreamFraming.frameLength(plain, offset, end - offset);
            if (length == StreamFraming.INVALID) {
                throw new IOException("the server sent bytes that are neither STUN nor ChannelData");
            }
            if (length == StreamFraming.NEED_MORE) {
                break;
            }
            sink.frame(plain, offset, length);
            offset += length;
        }
        return offset;
    }

    // ------------------------------------------------------------------------------------------------
    // Leftovers between reads

    private void takePendingCipher(ByteBuffer into) {
        byte[] pending = pendingCipher;
        if (pending != null) {
            into.put(pending);
            pendingCipher = null;
        }
    }

    /** Keeps {@code cipher}'s position-to-limit bytes for the next read. */
    private void keepPendingCipher(ByteBuffer cipher) {
        int length = cipher.remaining();
        if (length == 0) {
            pendingCipher = null;
            return;
        }
        byte[] copy = new byte[length];
        cipher.get(copy);
        pendingCipher = copy;
    }

    private void takePendingPlain(ByteBuffer into) {
        byte[] pending = pendingPlain;
        if (pending != null) {
            into.put(pending);
            pendingPlain = null;
        }
    }

    /** Keeps {@code [from, to)} of {@code plain} (appended to what is already kept) for later. */
    private void keepPendingPlain(ByteBuffer plain, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return;
        }
        byte[] old = pendingPlain;
        int start = old == null ? 0 : old.length;
        byte[] copy = new byte[start + length];
        if (old != null) {
            System.arraycopy(old, 0, copy, 0, start);
        }
        plain.get(from, copy, start, length);
        pendingPlain = copy;
    }

    @Override
    public void close() {
        SSLEngine e = engine;
        try {
            if (e != null && channel.isOpen() && channel.isBlocking() && !ended) {
                // close_notify, best effort.
                e.closeOutbound();
                Scratch s = Scratch.get();
                s.cipherOut.clear();
                e.wrap(Scratch.EMPTY, s.cipherOut);
                s.cipherOut.flip();
                writeFully(s.cipherOut);
            }
        } catch (IOException | RuntimeException ignored) {
            // Closing anyway.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }

    /**
     * Per-thread working buffers: heap ones for blocking reads through the socket adaptor and for TLS, a direct one
     * for reading plain TCP in the data phase. Sized for the largest frame plus a TLS record of slack.
     */
    private static final class Scratch {
        static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
        private static final int SIZE = 2 * StreamFraming.MAX_FRAME + 64 * 1024;
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

        final ByteBuffer cipherIn = ByteBuffer.allocate(SIZE);
        final ByteBuffer plainIn = ByteBuffer.allocate(SIZE);
        final ByteBuffer cipherOut = ByteBuffer.allocate(2 * (16 * 1024 + 512));
        final ByteBuffer plainDirect = ByteBuffer.allocateDirect(SIZE);

        static Scratch get() {
            return PER_THREAD.get();
        }
    }
}
