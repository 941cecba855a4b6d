package io.turnrelay.transport.nio;

import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.SocketTable;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} on a {@code java.nio} {@link Selector} with non-blocking {@link DatagramChannel}s and
 * one direct receive buffer, on one dedicated thread. Sockets are registered for read readiness only;
 * each ready socket is read until it would block or its per-round budget is spent (the selector is
 * level-triggered, so a socket with data left is selected again next round, after timers and tasks).
 */
public final class NioTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);
    /** Datagrams read from one socket per selector round, so one busy socket cannot starve the rest. */
    static final int READ_BUDGET = 64;
    /** Free bytes kept in front of every received datagram, so a ChannelData header can be written in place. */
    static final int HEADROOM = ChannelData.HEADER_LENGTH;
    /** Level-triggered readiness is reported again by the next selection, so a deregistering one may ignore it. */
    private static final Consumer<SelectionKey> IGNORE_READY = key -> {};
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final String shardName;
    private final Selector selector;
    private final SocketTable<DatagramChannel> sockets = new SocketTable<>();
    private final List<DatagramChannel> listenChannels = new ArrayList<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(HEADROOM + MAX_DATAGRAM);
    private final Consumer<SelectionKey> readReady = this::readUntilBlockedOrBudget;
    private final AtomicLong sendDrops = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<DatagramChannel> pendingCloses = new ArrayList<>();
    /** True while the selector runs the read callback; a nested selection is not allowed there. */
    private boolean selecting;
    private volatile boolean running;
    private @Nullable Thread thread;
    private @Nullable DatagramSink sink;

    public NioTransport(String shardName) {
        this.shardName = shardName;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public void bindListen(InetSocketAddress address, boolean reusePort) throws IOException {
        AddressFamily family = AddressFamily.of(address.getAddress());
        if (sockets.isBound(address.getPort(), family)) {
            throw new IOException("the listen address " + format(address) + " is already bound");
        }
        DatagramChannel channel = open(address.getPort(), family, address.getAddress(), reusePort);
        if (channel == null) {
            throw new IOException("cannot bind the listen address " + format(address) + ": address in use");
        }
        listenChannels.add(channel);
    }

    @Override
    public void start(DatagramSink sink) {
        if (thread != null) {
            throw new IllegalStateException("transport already started");
        }
        this.sink = sink;
        running = true;
        Thread loop = new Thread(this::runLoop, "turnrelay-nio-" + shardName);
        thread = loop;
        loop.start();
    }

    @Override
    public boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress) {
        if (sockets.isBound(port, family)) {
            return false;
        }
        try {
            return open(port, family, bindAddress, false) != null;
        } catch (IOException e) {
            LOG.debug("Cannot bind relay port {} ({}): {}", port, family, e.toString());
            return false;
        }
    }

    @Override
    public void closeRelay(int port, AddressFamily family) {
        DatagramChannel channel = sockets.remove(port, family);
        if (channel == null) {
            return;
        }
        // A registered channel keeps its port until the selector deregisters its key, so cancel, deregister
        // with a selectNow, then close; inside a selection that has to wait until the selection returns.
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
        pendingCloses.add(channel);
        if (!selecting) {
            closePending();
        }
    }

    private void closePending() {
        if (pendingCloses.isEmpty()) {
            return;
        }
        try {
            selector.selectNow(IGNORE_READY);
        } catch (IOException e) {
            LOG.debug("Deregistering closed sockets failed", e);
        }
        for (DatagramChannel channel : pendingCloses) {
            closeQuietly(channel);
        }
        pendingCloses.clear();
    }

    @Override
    public boolean send(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        DatagramChannel channel = sockets.socketFor(localPort, AddressFamily.of(destination.getAddress()));
        if (channel == null) {
            sendDrops.incrementAndGet();
            return false;
        }
        try {
            buffer.limit(offset + length).position(offset);
            if (channel.send(buffer, destination) == 0) {
                sendDrops.incrementAndGet(); // not writable: drop rather than wait or queue
                return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            sendDrops.incrementAndGet();
            return false;
        }
    }

    @Override
    public boolean sendChannelData(
            int localPort, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        // Every datagram is received behind HEADROOM free bytes, so the header goes in place.
        int frameOffset = payloadOffset - ChannelData.HEADER_LENGTH;
        if (buffer != receiveBuffer || frameOffset < 0) {
            sendDrops.incrementAndGet();
            return false;
        }
        ChannelData.writeHeader(buffer, frameOffset, channelNumber, payloadLength);
        return send(localPort, buffer, frameOffset, payloadLength + ChannelData.HEADER_LENGTH, destination);
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public long sendDrops() {
        return sendDrops.get();
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        Thread loop = thread;
        if (loop != null && loop != Thread.currentThread()) {
            try {
                loop.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll(); // also when the loop never started or did not stop in time
    }

    /** Binds {@code family} on {@code port}; null when the address is in use. */
    private @Nullable DatagramChannel open(int port, AddressFamily family, InetAddress bindAddress, boolean reusePort)
            throws IOException {
        return sockets.bind(port, family, bindAddress, (socketFamily, local) -> openAndRegister(socketFamily, local, reusePort));
    }

    private @Nullable DatagramChannel openAndRegister(AddressFamily family, InetSocketAddress local, boolean reusePort)
            throws IOException {
        ProtocolFamily protocolFamily = family == AddressFamily.IPV4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel channel = DatagramChannel.open(protocolFamily);
        try {
            channel.configureBlocking(false);
            if (reusePort && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.bind(local);
            channel.register(selector, SelectionKey.OP_READ, local.getPort());
            return channel;
        } catch (java.net.BindException e) {
            closeQuietly(channel);
            return null;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private void runLoop() {
        DatagramSink target = sink;
        if (target == null) {
            return;
        }
        try {
            while (running) {
                runTasks();
                long deadline = target.nextDeadlineNanos();
                long now = System.nanoTime();
                if (deadline <= now) {
                    target.onTimeout(now);
                    continue;
                }
                long waitMillis = deadline == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now + 999_999));
                selecting = true;
                try {
                    selector.select(readReady, waitMillis);
                } finally {
                    selecting = false;
                }
                closePending();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("Transport {} stopped: {}", shardName, e.toString());
            }
        } finally {
            running = false;
            closeAll();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("Task on transport {} failed", shardName, e);
            }
        }
    }

    private void readUntilBlockedOrBudget(SelectionKey key) {
        DatagramSink target = sink;
        if (!key.isValid() || !key.isReadable() || target == null) {
            return;
        }
        DatagramChannel channel = (DatagramChannel) key.channel();
        int port = (Integer) key.attachment();
        ByteBuffer buffer = receiveBuffer;
        for (int read = 0; read < READ_BUDGET && key.isValid(); read++) {
            buffer.clear().position(HEADROOM);
            SocketAddress sender;
            try {
                sender = channel.receive(buffer);
            } catch (IOException e) {
                return; // e.g. an ICMP error queued on the socket; the next read goes on
            }
            if (sender == null) {
                return; // would block
            }
            int length = buffer.position() - HEADROOM;
            try {
                target.onDatagram(port, buffer, HEADROOM, length, (InetSocketAddress) sender, System.nanoTime());
            } catch (RuntimeException e) {
                LOG.error("Relay loop failed on a datagram from {}; dropped", sender, e);
            }
        }
    }

    private void closeAll() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        for (DatagramChannel channel : listenChannels) {
            closeQuietly(channel);
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("Closing the selector failed", e);
        }
    }


    private static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + address.getPort();
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("Closing a socket failed", e);
        }
    }
}
