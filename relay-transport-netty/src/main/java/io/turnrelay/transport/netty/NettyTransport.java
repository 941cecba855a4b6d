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
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.SocketTable;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} on one Netty event loop: native epoll when it loads on this machine, Netty's NIO otherwise.
 *
 * <p>On epoll, every socket reads into the loop's one {@link ReusedReceiveBuffer} (listen sockets in recvmmsg
 * batches, relay sockets with recvmsg), and replies go
 * out at once through the socket ({@link NativeDatagramSender}): relayed payloads straight from the receive
 * buffer, ChannelData headers gathered in front of them, so a payload is not copied in user space and nothing
 * waits in Netty's outbound buffer. On NIO, datagrams are views of Netty's pooled buffers, relayed payloads go
 * out as retained slices of them through the pipeline, a ChannelData frame is written once into a pooled
 * buffer, and writes are flushed once per read batch. Either way a send that would block is dropped.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Datagrams per recvmmsg batch on a listen socket. */
    private static final int DATAGRAMS_PER_READ = 16;
    /** Datagrams one socket may deliver per readiness before the loop serves other sockets. */
    private static final int DATAGRAMS_PER_WAKEUP = 64;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final String shardName;
    private final boolean epoll;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final SocketTable<Channel> sockets = new SocketTable<>();
    private final List<Channel> listenChannels = new ArrayList<>();
    private final List<Channel> unflushed = new ArrayList<>();
    private final AtomicLong sendDrops = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable ReusedReceiveBuffer receiveBuffer;
    private final @Nullable NativeDatagramSender nativeSender;
    private final Runnable timeoutTask = this::onTimer;
    private volatile @Nullable DatagramSink sink;
    private @Nullable ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;

    // The datagram being delivered, so send() can recognise its buffer and slice it instead of copying.
    private @Nullable ByteBuf current;
    private @Nullable ByteBuffer currentView;
    private int currentViewBase;

    /** Uses native epoll when {@code preferNative} and it is available here, else Netty's NIO. */
    public NettyTransport(String shardName, boolean preferNative) {
        this(shardName, preferNative, true);
    }

    /**
     * With {@code reuseReceiveBuffer} false, epoll reads into pooled buffers, as it must where the JVM gives no
     * direct memory addresses (JDK 24+ without {@code --sun-misc-unsafe-memory-access=allow}).
     */
    NettyTransport(String shardName, boolean preferNative, boolean reuseReceiveBuffer) {
        this.shardName = shardName;
        disableLeakDetectionUnlessConfigured();
        this.epoll = preferNative && Epoll.isAvailable();
        IoHandlerFactory handlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("turnrelay-netty-" + shardName), handlers);
        this.loop = group.next();
        this.receiveBuffer = epoll && reuseReceiveBuffer ? ReusedReceiveBuffer.createOrNull(MAX_DATAGRAM * DATAGRAMS_PER_READ, DATAGRAMS_PER_WAKEUP) : null;
        this.nativeSender = epoll ? new NativeDatagramSender(receiveBuffer) : null;
        LOG.info("Netty transport {} uses {}", shardName, epoll ? "native epoll" : "NIO (native epoll unavailable: " + Epoll.unavailabilityCause() + ")");
    }

    /**
     * Netty's leak detector records a stack trace for sampled buffers, which costs relaying 10-15 % CPU per
     * packet; it stays on only when asked for with {@code -Dio.netty.leakDetection.level}.
     */
    private static void disableLeakDetectionUnlessConfigured() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** True when this transport runs on native epoll. */
    public boolean isNative() {
        return epoll;
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public void bindListen(InetSocketAddress address, boolean reusePort) throws IOException {
        AddressFamily family = AddressFamily.of(address.getAddress());
        String where = format(address);
        try {
            Boolean bound = loop.submit(() -> {
                if (sockets.isBound(address.getPort(), family)) {
                    return false;
                }
                Channel channel = open(address.getPort(), family, address.getAddress(), true, reusePort);
                if (channel != null) {
                    listenChannels.add(channel);
                }
                return channel != null;
            }).get(10, TimeUnit.SECONDS);
            if (!bound) {
                throw new IOException("cannot bind the listen address " + where + ": address in use");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + where, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot bind the listen address " + where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void start(DatagramSink sink) {
        if (this.sink != null) {
            throw new IllegalStateException("transport already started");
        }
        this.sink = sink;
        loop.execute(this::rescheduleTimer);
    }

    @Override
    public boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress) {
        if (sockets.isBound(port, family)) {
            return false;
        }
        return open(port, family, bindAddress, false, false) != null;
    }

    @Override
    public void closeRelay(int port, AddressFamily family) {
        Channel channel = sockets.remove(port, family);
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public boolean send(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        Channel channel = writableSocket(localPort, destination);
        if (channel == null) {
            return false;
        }
        NativeDatagramSender sender = nativeSender;
        if (sender != null) {
            return counted(sender.send(channel, buffer, offset, length, destination));
        }
        write(channel, payload(buffer, offset, length), destination);
        return true;
    }

    @Override
    public boolean sendChannelData(
            int localPort, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        Channel channel = writableSocket(localPort, destination);
        if (channel == null) {
            return false;
        }
        NativeDatagramSender sender = nativeSender;
        if (sender != null) {
            return counted(sender.sendChannelData(channel, channelNumber, buffer, payloadOffset, payloadLength, destination));
        }
        // One pooled buffer with header and payload: a single copy is cheaper here than a composite, whose
        // per-packet component objects and iovec set-up cost more than copying a datagram.
        ByteBuf frame = allocator.directBuffer(ChannelData.HEADER_LENGTH + payloadLength);
        frame.writeShort(channelNumber).writeShort(payloadLength);
        frame.writeBytes(buffer.duplicate().limit(payloadOffset + payloadLength).position(payloadOffset));
        write(channel, frame, destination);
        return true;
    }

    private boolean counted(boolean sent) {
        if (!sent) {
            sendDrops.incrementAndGet();
        }
        return sent;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(() -> {
            try {
                task.run();
            } finally {
                afterEvents();
            }
        });
    }

    @Override
    public long sendDrops() {
        return sendDrops.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!loop.isShuttingDown()) {
            try {
                loop.submit(this::closeAllSockets).get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
                LOG.warn("Closing the sockets of transport {} failed: {}", shardName, e.toString());
            }
        }
        boolean stopped = group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (stopped) { // the native memory is freed only once nothing can read into it
            if (nativeSender != null) {
                nativeSender.close();
            }
            if (receiveBuffer != null) {
                receiveBuffer.release();
            }
        }
    }

    private void closeAllSockets() {
        for (Channel channel : sockets.sockets()) {
            channel.close().awaitUninterruptibly();
        }
        for (Channel channel : listenChannels) {
            channel.close().awaitUninterruptibly();
        }
    }

    /** Registers and binds a socket on the loop thread; null when the address is in use. */
    private @Nullable Channel open(int port, AddressFamily family, InetAddress bindAddress, boolean listen, boolean reusePort) {
        try {
            return sockets.bind(port, family, bindAddress, (socketFamily, local) -> openAndBind(socketFamily, local, listen, reusePort));
        } catch (IOException e) {
            return null; // openAndBind reports failures as null; nothing else throws here
        }
    }

    private @Nullable Channel openAndBind(AddressFamily family, InetSocketAddress local, boolean listen, boolean reusePort) {
        SocketProtocolFamily protocolFamily = family == AddressFamily.IPV4 ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        Channel channel;
        try {
            channel = epoll ? new EpollDatagramChannel(protocolFamily) : new NioDatagramChannel(protocolFamily);
        } catch (RuntimeException e) {
            LOG.debug("Cannot open a {} socket: {}", family, e.toString());
            return null;
        }
        channel.config().setOption(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        channel.config().setOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        channel.config().setOption(ChannelOption.ALLOCATOR, allocator);
        if (epoll) {
            // Batches (recvmmsg) pay off where many clients converge; a relay socket mostly holds one datagram per
            // wakeup, and a plain recvmsg costs less than setting up a batch and asking the socket for options.
            channel.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, listen ? MAX_DATAGRAM : 0);
            channel.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffer != null
                    ? receiveBuffer
                    : new FixedRecvByteBufAllocator(MAX_DATAGRAM * DATAGRAMS_PER_READ).maxMessagesPerRead(DATAGRAMS_PER_WAKEUP));
            if (reusePort) {
                channel.config().setOption(UnixChannelOption.SO_REUSEPORT, true);
            }
        } else {
            channel.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM));
            if (reusePort) {
                channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
            }
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
            LOG.debug("Cannot bind {}: {}", format(local), bound.cause() == null ? "pending" : bound.cause().toString());
            channel.close();
            return null;
        }
        return channel;
    }

    private @Nullable Channel writableSocket(int localPort, InetSocketAddress destination) {
        AddressFamily family = AddressFamily.of(destination.getAddress());
        Channel channel = sockets.socketFor(localPort, family);
        if (channel == null || !channel.isWritable()) {
            sendDrops.incrementAndGet(); // not writable: drop rather than queue without bound
            return null;
        }
        return channel;
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

    /** After a read batch, a task or a timer: flush what was written, and re-arm the timer. */
    private void afterEvents() {
        for (int i = 0; i < unflushed.size(); i++) {
            unflushed.get(i).flush();
        }
        unflushed.clear();
        rescheduleTimer();
    }

    private void rescheduleTimer() {
        DatagramSink target = sink;
        if (target == null || closed.get()) {
            return;
        }
        long deadline = target.nextDeadlineNanos();
        if (deadline == timerDeadline) {
            return;
        }
        ScheduledFuture<?> previous = timer;
        if (previous != null) {
            previous.cancel(false);
            timer = null;
        }
        timerDeadline = deadline;
        if (deadline != Long.MAX_VALUE) {
            long delay = Math.max(0, deadline - System.nanoTime());
            timer = loop.schedule(timeoutTask, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void onTimer() {
        timer = null;
        timerDeadline = Long.MAX_VALUE;
        DatagramSink target = sink;
        if (target != null) {
            long now = System.nanoTime();
            if (target.nextDeadlineNanos() <= now) {
                target.onTimeout(now);
            }
        }
        afterEvents();
    }

    /** Delivers the datagrams of one socket; knows the socket's local port. */
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
                int length = content.readableBytes();
                if (target == null) {
                    return;
                }
                int offset = receiveBuffer == null ? -1 : receiveBuffer.offsetOf(content);
                if (offset >= 0) {
                    target.onDatagram(localPort, receiveBuffer.view(), offset, length, packet.sender(), System.nanoTime());
                    return;
                }
                if (content.nioBufferCount() != 1) {
                    return;
                }
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
            afterEvents();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Socket error on port {}: {}", localPort, cause.toString()); // e.g. ICMP port unreachable
        }
    }


    private static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + address.getPort();
    }
}
