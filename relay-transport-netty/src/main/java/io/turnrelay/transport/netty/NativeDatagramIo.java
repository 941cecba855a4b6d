package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEventLoop;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.Socket;
import io.turnrelay.core.spi.DatagramSink;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagram I/O of one epoll loop: every socket of the loop reads into one receive buffer, and sends go out at
 * once with one sendto/sendmsg, a send that would block being dropped rather than queued. A relayed payload goes
 * out from the receive buffer itself, a ChannelData header gathered in front of it (sendmsg with two iovecs), so
 * the payload is never copied in user space ({@link ImmediateSends}). Reuse of the buffer is safe because every
 * datagram is handled, and any reply sent, before the loop reads again. Used on the loop thread only.
 */
final class NativeDatagramIo implements LoopDatagramIo {
    private static final Logger LOG = LoggerFactory.getLogger(NativeDatagramIo.class);

    private final IoEventLoop loop;
    private final int socketBufferBytes;
    private final int datagramsPerWakeup;
    private final Runnable afterRead;
    private final ByteBuf receiveBuffer = Unpooled.directBuffer(Transport.MAX_DATAGRAM, Transport.MAX_DATAGRAM);
    private final ByteBuffer receiveView = receiveBuffer.nioBuffer(0, receiveBuffer.capacity());
    // With a memory address the native calls skip resolving the buffer object on every datagram; without one
    // (JDK 24+ denying sun.misc.Unsafe) they take the direct ByteBuffer.
    private final long receiveAddress;
    private final ImmediateSends sends;
    private volatile @Nullable DatagramSink sink;

    /**
     * @param socketBufferBytes the kernel send and receive buffer of every socket
     * @param datagramsPerWakeup how many datagrams one socket may deliver per readiness before the loop serves others
     * @param afterRead run after each socket's reads (the transport re-arms its timer there)
     * @param useMemoryAddress false to pass the buffer object even where its address is known (for tests)
     */
    NativeDatagramIo(IoEventLoop loop, int socketBufferBytes, int datagramsPerWakeup, Runnable afterRead, boolean useMemoryAddress) {
        this.loop = loop;
        this.socketBufferBytes = socketBufferBytes;
        this.datagramsPerWakeup = datagramsPerWakeup;
        this.afterRead = afterRead;
        this.receiveAddress = useMemoryAddress && receiveBuffer.hasMemoryAddress() ? receiveBuffer.memoryAddress() : 0;
        this.sends = new ImmediateSends(receiveAddress != 0);
    }

    @Override
    public void start(DatagramSink sink) {
        this.sink = sink;
    }

    @Override
    public @Nullable NettyUdpSocket open(AddressFamily family, InetSocketAddress local, boolean listen, boolean reusePort) {
        return EpollUdpSocket.open(loop, family, local, reusePort, socketBufferBytes, this);
    }

    /** Nothing is ever pending: every send goes out at once or is dropped. */
    @Override
    public void flush() {
    }

    /** Reads what {@code udp} holds, up to the per-wakeup limit, and delivers each datagram to the sink. */
    void read(EpollUdpSocket udp) {
        Socket socket = udp.socket();
        for (int i = 0; i < datagramsPerWakeup; i++) {
            DatagramSocketAddress sender;
            try {
                sender = receiveAddress != 0
                        ? socket.recvFromAddress(receiveAddress, 0, Transport.MAX_DATAGRAM)
                        : socket.recvFrom(receiveView, 0, Transport.MAX_DATAGRAM);
            } catch (IOException e) {
                LOG.debug("Receive error on port {}: {}", udp.localPort(), e.toString()); // e.g. ICMP port unreachable
                continue;
            }
            if (sender == null) {
                break; // would block: the socket is empty
            }
            deliver(udp.localPort(), sender);
        }
        afterRead.run();
    }

    private void deliver(int localPort, DatagramSocketAddress sender) {
        DatagramSink target = sink;
        if (target == null) {
            return;
        }
        try {
            target.onDatagram(localPort, receiveView, 0, sender.receivedAmount(), sender, System.nanoTime());
        } catch (RuntimeException e) {
            LOG.error("Relay loop failed on a datagram from {}; dropped", sender, e);
        }
    }

    /** Sends {@code length} bytes at absolute index {@code offset} of {@code buffer}; false when dropped. */
    boolean send(Socket socket, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        return sends.send(socket, buffer, offset, length, destination);
    }

    /** Sends a ChannelData frame with the payload at absolute index {@code payloadOffset} of {@code buffer}. */
    boolean sendChannelData(
            Socket socket, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        return sends.sendChannelData(socket, channelNumber, buffer, payloadOffset, payloadLength, destination);
    }

    @Override
    public void close() {
        sends.free();
        receiveBuffer.release();
    }
}
