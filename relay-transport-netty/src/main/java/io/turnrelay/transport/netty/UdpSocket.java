package io.turnrelay.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.turnrelay.core.spi.UdpClientLinks;
import org.jspecify.annotations.Nullable;

/**
 * The handler of one datagram channel: a UDP listener, which knows its senders' links, or the relay socket of one
 * port. It hands each datagram to the transport and tells it when a read batch ends.
 */
final class UdpSocket extends BatchFlushed {
    private final NettyTransport transport;
    /** The relay port this socket serves, or -1 for a listener. */
    final int relayPort;
    /** A listener's links, one per sender; set once the listener is bound. */
    @Nullable UdpClientLinks<UdpLink> links;
    private @Nullable Channel channel;

    UdpSocket(NettyTransport transport, int relayPort) {
        this.transport = transport;
        this.relayPort = relayPort;
    }

    @Override
    Channel channel() {
        Channel bound = channel;
        if (bound == null) {
            throw new IllegalStateException("socket not registered yet");
        }
        return bound;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            transport.onDatagram(this, packet);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        transport.afterEvents();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        transport.onDatagramError(this, cause);
    }
}
