package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.core.spi.CloseReason;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP or TLS client connection, the last handler of its pipeline: it hands the frames the {@link FrameDecoder}
 * cut to the sink, turns what Netty reports (end of stream, errors, TLS events) into the close reason the sink is
 * told, and keeps the times the connection's timeouts count from. Used on the loop only.
 */
final class StreamConnection extends BatchFlushed {
    private static final Logger LOG = LoggerFactory.getLogger(StreamConnection.class);

    private final NettyStreams streams;
    private final Channel channel;
    /** The listener's transport: TCP for a listener that detects TLS, until the first bytes decide. */
    final ClientTransport acceptedAs;
    final InetSocketAddress local;
    final InetSocketAddress remote;
    final StreamSettings settings;
    private final WriteBufferWaterMark queueMarks;
    final long acceptedAt;
    /** Every write's completion is progress for the send-stall timeout; a failed one ends the connection. */
    final ChannelFutureListener writeDone = this::onWriteDone;
    /** Set once the connection is known to be a client (at accept, or once TLS detection decided). */
    @Nullable StreamLink link;
    /** True while a listener that detects TLS waits for the first bytes. */
    boolean detecting;
    /** Since when an incomplete frame has been waiting; 0 when none is. */
    long partialSince;
    /** Since when an incomplete TLS record has been waiting after the handshake; 0 when none is. */
    long partialRecordSince;
    /** When the send queue last made progress (or became non-empty); meaningful while it holds bytes. */
    long progressAt;
    /** Where it sits in the list of connections. */
    int index;
    boolean closed;

    StreamConnection(NettyStreams streams, Channel channel, ClientTransport acceptedAs, InetSocketAddress local, InetSocketAddress remote,
            StreamSettings settings, WriteBufferWaterMark queueMarks, long acceptedAt) {
        this.streams = streams;
        this.channel = channel;
        this.acceptedAs = acceptedAs;
        this.local = local;
        this.remote = remote;
        this.settings = settings;
        this.queueMarks = queueMarks;
        this.acceptedAt = acceptedAt;
    }

    @Override
    Channel channel() {
        return channel;
    }

    ClientTransport transport() {
        StreamLink known = link;
        return known != null ? known.transport() : acceptedAs;
    }

    /**
     * Bytes written to the connection and not yet taken by the socket, including what an SslHandler holds and Netty's
     * per-message overhead. The channel tells only how far they are from its water marks, whose high one is the
     * send queue's size.
     */
    long queuedBytes() {
        if (closed) {
            return 0;
        }
        return channel.isWritable()
                ? queueMarks.high() + 1 - channel.bytesBeforeUnwritable()
                : queueMarks.low() - 1 + channel.bytesBeforeWritable();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame) {
            streams.deliver(this, frame);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        streams.afterEvents();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streams.close(this, CloseReason.CLIENT_CLOSED);
        streams.afterEvents();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        CloseReason reason = isTls(cause) ? CloseReason.TLS_FAILURE : CloseReason.RESET;
        if (!closed) {
            LOG.debug("Connection from {} failed ({}): {}", remote, reason.label(), cause.toString());
        }
        streams.close(this, reason);
        streams.afterEvents();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            // SslHandler closes the channel itself after a failed or timed-out handshake; the reason is told here.
            streams.close(this, handshake.cause() instanceof SslHandshakeTimeoutException
                    ? CloseReason.TLS_HANDSHAKE_TIMEOUT : CloseReason.TLS_FAILURE);
        } else if (event instanceof SslCloseCompletionEvent) {
            streams.close(this, CloseReason.CLIENT_CLOSED); // close_notify
        }
        streams.afterEvents();
        ReferenceCountUtil.release(event);
    }

    private void onWriteDone(io.netty.channel.ChannelFuture future) {
        if (future.isSuccess()) {
            progressAt = System.nanoTime();
        } else if (!closed) {
            streams.close(this, isTls(future.cause()) ? CloseReason.TLS_FAILURE : CloseReason.RESET);
            streams.afterEvents();
        }
    }

    private static boolean isTls(@Nullable Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true; // includes NotSslRecordException and failed handshakes
            }
        }
        return false;
    }
}
