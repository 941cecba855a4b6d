package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;

/**
 * Follows TLS record boundaries in what a TLS connection receives, ahead of its {@link SslHandler}, and notes since when
 * a record has been incomplete. The SslHandler keeps such bytes to itself, so without this a client that stops in the
 * middle of a record would never count as holding a partial frame (slowloris beneath TLS). It reads the 5-byte record
 * headers only and passes every buffer on untouched. Before the handshake is done the handshake timeout applies instead.
 */
final class TlsRecordWatcher extends ChannelInboundHandlerAdapter {
    private static final int HEADER_BYTES = 5;

    private final StreamConnection connection;
    private final SslHandler tls;
    /** Bytes of the current record header seen so far (0 at a record boundary or inside a body). */
    private int headerSeen;
    private int lengthHighByte;
    /** Bytes of the current record body still to come. */
    private int bodyLeft;

    TlsRecordWatcher(StreamConnection connection, SslHandler tls) {
        this.connection = connection;
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            follow(bytes);
        }
        ctx.fireChannelRead(msg);
    }

    private void follow(ByteBuf bytes) {
        int index = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (index < end) {
            if (bodyLeft > 0) {
                int skipped = Math.min(bodyLeft, end - index);
                bodyLeft -= skipped;
                index += skipped;
                continue;
            }
            int value = bytes.getUnsignedByte(index++);
            if (headerSeen == HEADER_BYTES - 2) {
                lengthHighByte = value;
            } else if (headerSeen == HEADER_BYTES - 1) {
                bodyLeft = lengthHighByte << 8 | value;
                headerSeen = 0;
                continue;
            }
            headerSeen++;
        }
        boolean midRecord = headerSeen > 0 || bodyLeft > 0;
        if (!midRecord) {
            connection.partialRecordSince = 0;
        } else if (connection.partialRecordSince == 0 && tls.handshakeFuture().isDone()) {
            connection.partialRecordSince = System.nanoTime();
        }
    }
}
