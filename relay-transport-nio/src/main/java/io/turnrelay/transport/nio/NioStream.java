package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import org.jspecify.annotations.Nullable;

/**
 * One TCP or TLS client connection of the NIO transport: its socket, its link once it has one, the bytes of an
 * incomplete frame (or TLS record) it holds, its bounded send queue and the times its timeouts count from. Buffers
 * exist only while they hold something, so an idle connection holds none. Used on the loop thread only.
 */
final class NioStream {
    final SocketChannel channel;
    final SelectionKey key;
    /** The listener's transport: TCP for a listener that detects TLS, until the first bytes decide. */
    final ClientTransport acceptedAs;
    final InetSocketAddress local;
    final InetSocketAddress remote;
    final StreamSettings settings;
    final long acceptedAt;
    /** Set once the connection is known to be a client (at accept, or once TLS detection decided). */
    @Nullable NioStreamLink link;
    /** True while a listener that detects TLS waits for the first bytes. */
    boolean detecting;
    /** The TLS session, or null on plain TCP. */
    @Nullable SSLEngine engine;
    boolean handshakeDone;
    /** The start of an incomplete frame, kept for the next read (plaintext). */
    byte @Nullable [] pendingInput;
    int pendingInputLength;
    /** The start of an incomplete TLS record, kept for the next read (ciphertext). */
    byte @Nullable [] pendingRecord;
    int pendingRecordLength;
    /** Since when an incomplete frame or record has been waiting; 0 when none is. */
    long partialSince;
    /** Bytes waiting to be written (position to limit), or null when none are. */
    @Nullable ByteBuffer sendQueue;
    /** Frames kept for the end of the selector pass (position = bytes), lent for that pass; null otherwise. */
    @Nullable ByteBuffer batch;
    /** Whether the transport's list of connections to flush holds this one. */
    boolean batched;
    /** When the send queue last made progress; meaningful while it holds bytes. */
    long sendProgressAt;
    /** Where it sits in the transport's list of connections. */
    int index;
    boolean closed;

    NioStream(SocketChannel channel, SelectionKey key, ClientTransport acceptedAs, InetSocketAddress local, InetSocketAddress remote,
            StreamSettings settings, long acceptedAt) {
        this.channel = channel;
        this.key = key;
        this.acceptedAs = acceptedAs;
        this.local = local;
        this.remote = remote;
        this.settings = settings;
        this.acceptedAt = acceptedAt;
    }

    int batchedBytes() {
        ByteBuffer pending = batch;
        return pending == null ? 0 : pending.position();
    }

    int queuedBytes() {
        ByteBuffer queue = sendQueue;
        return queue == null ? 0 : queue.remaining();
    }
}
