package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.turnrelay.core.stun.StreamFraming;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The first handler of a connection on a TCP listener that also serves TLS, in the manner of Netty's
 * {@code OptionalSslHandler}: it waits for the first bytes, then replaces itself with an SslHandler (a TLS
 * ClientHello) or removes itself (anything else: STUN and ChannelData never look like TLS), handing on what it read.
 * Unlike OptionalSslHandler it decides on the first byte when that is not 0x16, as {@link StreamFraming} does.
 */
final class TlsDetector extends ByteToMessageDecoder {
    private final NettyStreams streams;
    private final StreamConnection connection;
    private final ByteBuffer probe;

    TlsDetector(NettyStreams streams, StreamConnection connection, ByteBuffer probe) {
        this.streams = streams;
        this.connection = connection;
        this.probe = probe;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = in.readableBytes();
        if (available == 0 || connection.closed) {
            return;
        }
        boolean tls = in.getByte(in.readerIndex()) == 0x16;
        if (tls && available < StreamFraming.TLS_SNIFF_BYTES) {
            return;
        }
        if (tls) {
            probe.clear().limit(StreamFraming.TLS_SNIFF_BYTES);
            in.getBytes(in.readerIndex(), probe);
            tls = StreamFraming.looksLikeTlsClientHello(probe, 0, StreamFraming.TLS_SNIFF_BYTES);
        }
        streams.detected(connection, this, tls);
    }
}
