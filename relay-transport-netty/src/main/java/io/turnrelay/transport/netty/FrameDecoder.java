package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.stun.StreamFraming;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Cuts a connection's byte stream into STUN messages and ChannelData frames with {@link StreamFraming}: each whole
 * frame goes on as a slice; bytes that cannot start a frame close the connection. StreamFraming never waits for
 * more than {@link StreamFraming#MAX_FRAME} bytes, so what this decoder accumulates stays below that plus one read.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /** StreamFraming reads no more than these first bytes of a frame. */
    private static final int DECIDING_BYTES = 8;

    private final NettyStreams streams;
    private final StreamConnection connection;
    /** Shared by every connection of the transport (one thread); holds a candidate frame's first bytes. */
    private final ByteBuffer probe;

    FrameDecoder(NettyStreams streams, StreamConnection connection, ByteBuffer probe) {
        this.streams = streams;
        this.connection = connection;
        this.probe = probe;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && !connection.closed) {
            int available = Math.min(in.readableBytes(), StreamFraming.MAX_FRAME);
            probe.clear().limit(Math.min(available, DECIDING_BYTES));
            in.getBytes(in.readerIndex(), probe);
            probe.clear();
            int length = StreamFraming.frameLength(probe, 0, available);
            if (length == StreamFraming.INVALID) {
                if (!out.isEmpty()) {
                    return; // the frames before it go to the sink first; the next call closes
                }
                in.skipBytes(in.readableBytes());
                streams.close(connection, CloseReason.INVALID_FRAME);
                return;
            }
            if (length == StreamFraming.NEED_MORE) {
                if (connection.partialSince == 0) {
                    connection.partialSince = System.nanoTime();
                }
                return;
            }
            out.add(in.readRetainedSlice(length));
        }
        connection.partialSince = 0;
    }
}
