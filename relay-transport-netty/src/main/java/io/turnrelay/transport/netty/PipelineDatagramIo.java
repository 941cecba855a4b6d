package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagram I/O of one loop where native epoll is unavailable: Netty's NIO datagram channels and pipelines.
 * Datagrams are views of Netty's pooled buffers; relayed payloads go out as retained slices of them, a ChannelData
 * frame is written once into a pooled buffer, and writes are flushed once per read batch. A send to a socket whose
 * outbound buffer is full is dropped. Used on the loop thread only.
 */
final class PipelineDatagramIo implements LoopDatagramIo {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineDatagramIo.class);

    private final EventLoop loop;
    private final int socketBufferBytes;
    private final Runnable afterRead;
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final List<Channel> unflushed = new ArrayList<>();
    private volatile @Nullable DatagramSink sink;

    // The datagram being delivered, so a send can recognise its buffer and slice it instead of copying.
    private @Nullable ByteBuf current;
    private @Nullable ByteBuffer currentView;
    private int currentViewBase;

    /**
     * @param socketBufferBytes the kernel send and receive buffer of every socket
     * @param afterRead run after each socket's read batch (the transport flushes and re-arms its timer there)
     */
    PipelineDatagramIo(EventLoop loop, int socketBufferBytes, Runnable afterRead) {
        this.loop = loop;
        this.socketBufferBytes = socketBufferBytes;
        this.afterRead = afterRead;
    }

    @Override
    public void start(DatagramSink sink) {
        this.sink = sink;
    }

    @Override
    public @Nullable NettyUdpSocket open(AddressFamily family, InetSocketAddress local, boolean listen, boolean reusePort) {
        Channel channel;
        try {
            channel = new NioDatagramChannel(family == AddressFamily.IPV4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6);
        } catch (RuntimeException e) {
            LOG.debug("Cannot open a {} socket: {}", family, e.toString());
            return null;
        }
        channel.config().setOption(ChannelOption.SO_RCVBUF, socketBufferBytes);
        channel.config().setOption(ChannelOption.SO_SNDBUF, socketBufferBytes);
        channel.config().setOption(ChannelOption.ALLOCATOR, allocator);
        channel.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Transport.MAX_DATAGRAM));
        if (reusePort) {
            channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
        }
        channel.pipeline().addLast(new Reader(local.getPort()));
        // On the loop thread both steps run inline, so the outcome is known on return.
        ChannelFuture registered = loop.register(channel);
        if (!registered.isDone() || !registered.isSuccess()) {
            channel.unsafe().closeForcibly();
            return null;
        }
        ChannelFuture bound = channel.bind(local);
        if (!bound.isDone() || !bound.isSuccess()) {
            LOG.debug("Cannot bind {}: {}", local, bound.cause() == null ? "pending" : bound.cause().toString());
            channel.close();
            return null;
        }
        return new ChannelSocket(channel);
    }

    @Override
    public void flush() {
        for (int i = 0; i < unflushed.size(); i++) {
            unflushed.get(i).flush();
        }
        unflushed.clear();
    }

    /** Pooled buffers go back to Netty's pool as they are released; nothing else is held. */
    @Override
    public void close() {
    }

    private boolean send(Channel channel, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        if (!channel.isWritable()) {
            return false; // drop rather than queue without bound
        }
        write(channel, payload(buffer, offset, length), destination);
        return true;
    }

    private boolean sendChannelData(
            Channel channel, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        if (!channel.isWritable()) {
            return false;
        }
        // One pooled buffer with header and payload: a single copy is cheaper here than a composite, whose
        // per-packet component objects and iovec set-up cost more than copying a datagram.
        ByteBuf frame = allocator.directBuffer(ChannelData.HEADER_LENGTH + payloadLength);
        frame.writeShort(channelNumber).writeShort(payloadLength);
        frame.writeBytes(buffer.duplicate().limit(payloadOffset + payloadLength).position(payloadOffset));
        write(channel, frame, destination);
        return true;
    }

    private ByteBuf payload(ByteBuffer buffer, int offset, int length) {
        ByteBuf datagram = current;
        if (datagram != null && buffer == currentView) {
            return datagram.retainedSlice(datagram.readerIndex() + offset - currentViewBase, length);
        }
        if (buffer.hasArray()) {
            return Unpooled.wrappedBuffer(buffer.array(), buffer.arrayOffset() + offset, length);
        }
        ByteBuf copy = allocator.directBuffer(length);
        copy.writeBytes(buffer.duplicate().limit(offset + length).position(offset));
        return copy;
    }

    private void write(Channel channel, ByteBuf payload, InetSocketAddress destination) {
        channel.write(new DatagramPacket(payload, destination), channel.voidPromise());
        if (unflushed.isEmpty() || unflushed.get(unflushed.size() - 1) != channel) {
            unflushed.add(channel);
        }
    }

    /** A bound NIO datagram channel. */
    private final class ChannelSocket implements NettyUdpSocket {
        private final Channel channel;

        ChannelSocket(Channel channel) {
            this.channel = channel;
        }

        @Override
        public boolean send(ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
            return PipelineDatagramIo.this.send(channel, buffer, offset, length, destination);
        }

        @Override
        public boolean sendChannelData(
                int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
            return PipelineDatagramIo.this.sendChannelData(channel, channelNumber, buffer, payloadOffset, payloadLength, destination);
        }

        @Override
        public void close() {
            channel.close();
        }
    }

    /** Delivers the datagrams of one channel; knows the socket's local port. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final int localPort;

        Reader(int localPort) {
            this.localPort = localPort;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            DatagramPacket packet = (DatagramPacket) message;
            ByteBuf content = packet.content();
            try {
                DatagramSink target = sink;
                if (target == null || content.nioBufferCount() != 1) {
                    return;
                }
                int length = content.readableBytes();
                ByteBuffer view = content.internalNioBuffer(content.readerIndex(), length);
                current = content;
                currentView = view;
                currentViewBase = view.position();
                target.onDatagram(localPort, view, view.position(), length, packet.sender(), System.nanoTime());
            } catch (RuntimeException e) {
                LOG.error("Relay loop failed on a datagram from {}; dropped", packet.sender(), e);
            } finally {
                current = null;
                currentView = null;
                packet.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            afterRead.run();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Socket error on port {}: {}", localPort, cause.toString()); // e.g. ICMP port unreachable
        }
    }
}
