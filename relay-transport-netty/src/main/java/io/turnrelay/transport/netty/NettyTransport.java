package io.turnrelay.transport.netty;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.SocketTable;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
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
 * A {@link Transport} on one Netty event loop: native io_uring or epoll when one loads on this machine, Netty's
 * NIO otherwise.
 *
 * <p>On io_uring, every socket keeps a receive in flight in its own buffer, and relayed payloads are queued as
 * sends on the ring straight from that buffer, so a busy loop makes one system call per pass rather than one or two
 * per datagram ({@link IoUringDatagramIo}). On epoll, sockets are Netty's native sockets registered with the loop
 * directly ({@link EpollUdpSocket}); they read into the loop's one receive buffer and send at once, relayed
 * payloads straight from that buffer ({@link NativeDatagramIo}). On NIO they are datagram channels with pipelines ({@link PipelineDatagramIo}).
 * Either way a send that would block is dropped.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Datagrams one socket may deliver per readiness before the loop serves other sockets. */
    private static final int DATAGRAMS_PER_WAKEUP = 64;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /**
     * The largest datagram from a peer an io_uring relay socket takes (each holds its own buffer there): above a
     * path MTU, so only datagrams that were fragmented on the way are dropped, at 2 KiB per allocation.
     */
    private static final int RELAY_RECEIVE_BYTES = 2048;

    private final String shardName;
    private final MultiThreadIoEventLoopGroup group;
    private final IoEventLoop loop;
    private final SocketTable<NettyUdpSocket> sockets = new SocketTable<>();
    private final List<NettyUdpSocket> listenSockets = new ArrayList<>();
    private final AtomicLong sendDrops = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LoopDatagramIo io;
    private final Io ioKind;
    private final Runnable timeoutTask = this::onTimer;
    private volatile @Nullable DatagramSink sink;
    private @Nullable ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;

    /** Which of Netty's I/O a transport runs on. */
    enum Io {
        /** io_uring: receives and relayed sends queued on the ring ({@link IoUringDatagramIo}). */
        IO_URING("io_uring"),
        /** epoll: Netty's native sockets registered with the loop ({@link NativeDatagramIo}). */
        EPOLL("epoll"),
        /** Netty's NIO datagram channels ({@link PipelineDatagramIo}). */
        NIO("NIO");

        /** How logs and {@link NettyTransport#description()} name it. */
        final String label;

        Io(String label) {
            this.label = label;
        }

        /**
         * The fastest this machine offers: io_uring, unless the kernel or a seccomp filter refuses it or
         * {@value #IO_URING_PROPERTY} is {@code false}; then epoll; then NIO.
         */
        static Io best() {
            return ("false".equals(System.getProperty(IO_URING_PROPERTY)) ? EPOLL : IO_URING).orAvailable();
        }

        /** This, or the next best where this one does not load. */
        Io orAvailable() {
            if (this == IO_URING && !IoUring.isAvailable()) {
                return EPOLL.orAvailable();
            }
            return this == EPOLL && !Epoll.isAvailable() ? NIO : this;
        }
    }

    /** System property that, set to {@code false}, keeps the transport on epoll where io_uring is available. */
    static final String IO_URING_PROPERTY = "io.turnrelay.netty.iouring";

    /** Uses native io_uring or epoll when {@code preferNative} and one is available here, else Netty's NIO. */
    public NettyTransport(String shardName, boolean preferNative) {
        this(shardName, preferNative ? Io.best() : Io.NIO, true);
    }

    /**
     * Runs on {@code wanted} I/O, or the next best where it does not load. With {@code useMemoryAddresses} false,
     * epoll I/O passes buffers as objects, as on JVMs that hide addresses.
     */
    NettyTransport(String shardName, Io wanted, boolean useMemoryAddresses) {
        this.shardName = shardName;
        disableLeakDetectionUnlessConfigured();
        Io chosen = wanted.orAvailable();
        IoHandlerFactory handlers = switch (chosen) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("turnrelay-netty-" + shardName), handlers);
        this.loop = group.next();
        this.io = switch (chosen) {
            case IO_URING -> new IoUringDatagramIo(loop, SOCKET_BUFFER_BYTES, RELAY_RECEIVE_BYTES, this::afterEvents, sendDrops::incrementAndGet);
            case EPOLL -> new NativeDatagramIo(loop, SOCKET_BUFFER_BYTES, DATAGRAMS_PER_WAKEUP, this::afterEvents, useMemoryAddresses);
            case NIO -> new PipelineDatagramIo(loop, SOCKET_BUFFER_BYTES, this::afterEvents);
        };
        this.ioKind = chosen;
        LOG.info("Netty transport {} uses {}{}", shardName, chosen.label, switch (chosen) {
            case IO_URING -> "";
            case EPOLL -> IoUring.isAvailable() ? "" : " (io_uring unavailable: " + IoUring.unavailabilityCause() + ")";
            case NIO -> " (native epoll unavailable: " + Epoll.unavailabilityCause() + ")";
        });
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

    /** True when this transport runs on native io_uring or epoll. */
    public boolean isNative() {
        return ioKind != Io.NIO;
    }

    /** The I/O this transport runs on. */
    Io io() {
        return ioKind;
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public String description() {
        return "netty on " + ioKind.label;
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
                NettyUdpSocket socket = open(address.getPort(), family, address.getAddress(), true, reusePort);
                if (socket != null) {
                    listenSockets.add(socket);
                }
                return socket != null;
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
        io.start(sink);
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
        NettyUdpSocket socket = sockets.remove(port, family);
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    public boolean send(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        NettyUdpSocket socket = sockets.socketFor(localPort, AddressFamily.of(destination.getAddress()));
        return counted(socket != null && socket.send(buffer, offset, length, destination));
    }

    @Override
    public boolean sendChannelData(
            int localPort, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        NettyUdpSocket socket = sockets.socketFor(localPort, AddressFamily.of(destination.getAddress()));
        return counted(socket != null && socket.sendChannelData(channelNumber, buffer, payloadOffset, payloadLength, destination));
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
        if (stopped) {
            io.close(); // native memory is freed only once nothing can read into it
        }
    }

    private void closeAllSockets() {
        for (NettyUdpSocket socket : sockets.sockets()) {
            socket.close();
        }
        for (NettyUdpSocket socket : listenSockets) {
            socket.close();
        }
    }

    /** Opens and binds a socket on the loop thread; null when the address is in use. */
    private @Nullable NettyUdpSocket open(int port, AddressFamily family, InetAddress bindAddress, boolean listen, boolean reusePort) {
        try {
            return sockets.bind(port, family, bindAddress, (socketFamily, local) -> io.open(socketFamily, local, listen, reusePort));
        } catch (IOException e) {
            return null; // the openers report failures as null; nothing else throws here
        }
    }

    /** After a read, a task or a timer: flush what was written, and re-arm the timer. */
    private void afterEvents() {
        io.flush();
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

    private static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + address.getPort();
    }
}
