package io.turnrelay.transport.netty;

import io.netty.channel.IoEventLoop;
import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagram I/O of one io_uring loop. Each socket keeps a receive in flight ({@link IoUringUdpSocket}); a
 * completed receive is handed to the sink from that socket's buffer. A send of the datagram being handled (a
 * relayed payload) is queued on the ring ({@link IoUringSends}) straight from that buffer, a ChannelData header
 * gathered in front of it, and linked before the socket's next receive; the loop then submits all of a pass's sends
 * and receives with one io_uring_enter. Anything else (responses the core built on the heap) goes out at once
 * ({@link ImmediateSends}). A send that would block is dropped either way. Used on the loop thread only.
 *
 * <p>Relay sockets receive datagrams of up to {@code relayReceiveBytes}, since every socket holds its own buffer;
 * a larger datagram from a peer is dropped. Listen sockets take any datagram.
 */
final class IoUringDatagramIo implements LoopDatagramIo {
    private static final Logger LOG = LoggerFactory.getLogger(IoUringDatagramIo.class);
    private static final int RING_SENDS = 1024;

    private final IoEventLoop loop;
    private final int socketBufferBytes;
    private final int relayReceiveBytes;
    private final Runnable afterRead;
    private final Runnable onDroppedSend;
    private final SenderAddressCache senders = new SenderAddressCache(1024);
    private final IoUringSends ringSends = new IoUringSends(RING_SENDS);
    private final Set<IoUringUdpSocket> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ImmediateSends immediateSends = new ImmediateSends(true);
    private volatile @Nullable DatagramSink sink;
    // The datagram being delivered, so a send of its bytes can go through the ring.
    private @Nullable ByteBuffer current;
    private long currentAddress;

    /**
     * @param socketBufferBytes the kernel send and receive buffer of every socket
     * @param relayReceiveBytes the largest datagram a relay socket takes
     * @param afterRead run after each datagram (the transport re-arms its timer there)
     * @param onDroppedSend run for each queued send the kernel refused
     */
    IoUringDatagramIo(IoEventLoop loop, int socketBufferBytes, int relayReceiveBytes, Runnable afterRead, Runnable onDroppedSend) {
        this.loop = loop;
        this.socketBufferBytes = socketBufferBytes;
        this.relayReceiveBytes = relayReceiveBytes;
        this.afterRead = afterRead;
        this.onDroppedSend = onDroppedSend;
    }

    @Override
    public void start(DatagramSink sink) {
        this.sink = sink;
    }

    @Override
    public @Nullable NettyUdpSocket open(AddressFamily family, InetSocketAddress local, boolean listen, boolean reusePort) {
        int receiveBytes = listen ? Transport.MAX_DATAGRAM : relayReceiveBytes;
        IoUringUdpSocket socket = IoUringUdpSocket.open(loop, family, local, reusePort, socketBufferBytes, receiveBytes, this);
        if (socket != null) {
            open.add(socket);
        }
        return socket;
    }

    void released(IoUringUdpSocket socket) {
        open.remove(socket);
    }

    /** Nothing to do: the loop submits queued sends itself, and the others went out at once. */
    @Override
    public void flush() {
    }

    @Nullable InetSocketAddress sender(ByteBuffer memory, int offset, int length) {
        return senders.sender(memory, offset, length);
    }

    void deliver(int localPort, ByteBuffer payload, long payloadAddress, int length, InetSocketAddress sender) {
        DatagramSink target = sink;
        if (target != null) {
            current = payload;
            currentAddress = payloadAddress;
            try {
                target.onDatagram(localPort, payload, 0, length, sender, System.nanoTime());
            } catch (RuntimeException e) {
                LOG.error("Relay loop failed on a datagram from {}; dropped", sender, e);
            } finally {
                current = null;
            }
        }
        afterRead.run();
    }

    /** A queued send completed with {@code result}: bytes sent, or a negative errno. */
    void sent(short descriptor, int result) {
        ringSends.release(descriptor);
        if (result < 0) {
            onDroppedSend.run();
        }
    }

    boolean send(IoUringUdpSocket via, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        if (buffer == current && ringSends.submit(via, IoUringSends.NO_CHANNEL, currentAddress + offset, length, destination)) {
            return true;
        }
        return immediateSends.send(via.socket(), buffer, offset, length, destination);
    }

    boolean sendChannelData(
            IoUringUdpSocket via, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        if (buffer == current && ringSends.submit(via, channelNumber, currentAddress + payloadOffset, payloadLength, destination)) {
            return true;
        }
        return immediateSends.sendChannelData(via.socket(), channelNumber, buffer, payloadOffset, payloadLength, destination);
    }

    /** Once the loop (and with it the ring) has stopped: frees what sockets still waited on the kernel for, and the rest. */
    @Override
    public void close() {
        List<IoUringUdpSocket> waiting = new ArrayList<>(open);
        for (IoUringUdpSocket socket : waiting) {
            socket.release();
        }
        ringSends.close();
        immediateSends.free();
    }
}
