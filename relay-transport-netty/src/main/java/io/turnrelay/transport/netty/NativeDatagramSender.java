package io.turnrelay.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Socket;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.ChannelData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Sends a datagram at once with one sendto/sendmsg on an epoll channel's socket, instead of through Netty's
 * pipeline and outbound buffer. A relay sends about one datagram per socket per read, so the outbound machinery
 * (a message object, an outbound-buffer entry and a flush per datagram) costs more than it batches; and a send
 * that would block is dropped rather than queued, as the relay wants. Payloads that lie in the
 * {@link ReusedReceiveBuffer} go out from there: a ChannelData header is gathered in front of the payload
 * (sendmsg with two iovecs) so the payload is never copied in user space. Used on the loop thread only.
 */
final class NativeDatagramSender implements AutoCloseable {
    private final @Nullable ReusedReceiveBuffer receiveBuffer;
    private final ByteBuf header = Unpooled.directBuffer(ChannelData.HEADER_LENGTH, ChannelData.HEADER_LENGTH);
    private final IovArray iovecs = new IovArray();
    // For payloads from anywhere else (heap responses, pooled views): the one copy they get.
    private final ByteBuf staging = Unpooled.directBuffer(ChannelData.HEADER_LENGTH + Transport.MAX_DATAGRAM);
    private final ByteBuffer stagingView = staging.nioBuffer(0, staging.capacity());

    NativeDatagramSender(@Nullable ReusedReceiveBuffer receiveBuffer) {
        this.receiveBuffer = receiveBuffer;
    }

    /** Sends {@code length} bytes at absolute index {@code offset} of {@code buffer}; false when dropped. */
    boolean send(Channel channel, ByteBuffer buffer, int offset, int length, InetSocketAddress destination) {
        Socket socket = socketOf(channel);
        try {
            int written;
            ReusedReceiveBuffer received = receiveBuffer;
            if (received != null && buffer == received.view()) {
                written = socket.sendToAddress(received.address(), offset, offset + length, destination.getAddress(), destination.getPort());
            } else if (buffer.isDirect()) {
                written = socket.sendTo(buffer, offset, offset + length, destination.getAddress(), destination.getPort());
            } else {
                stagingView.clear();
                stagingView.put(buffer.duplicate().limit(offset + length).position(offset));
                written = socket.sendTo(stagingView, 0, length, destination.getAddress(), destination.getPort());
            }
            return written == length;
        } catch (IOException e) {
            return false; // e.g. ICMP port unreachable reported on this socket, or no route: the datagram is lost
        }
    }

    /** Sends a ChannelData frame with the payload at absolute index {@code payloadOffset} of {@code buffer}. */
    boolean sendChannelData(
            Channel channel, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination) {
        Socket socket = socketOf(channel);
        int frameLength = ChannelData.HEADER_LENGTH + payloadLength;
        try {
            int written;
            ReusedReceiveBuffer received = receiveBuffer;
            if (received != null && buffer == received.view()) {
                header.setShort(0, channelNumber).setShort(2, payloadLength);
                iovecs.clear();
                iovecs.add(header, 0, ChannelData.HEADER_LENGTH);
                if (payloadLength > 0) {
                    iovecs.add(received.buffer(), payloadOffset, payloadLength);
                }
                written = socket.sendToAddresses(iovecs.memoryAddress(0), iovecs.count(), destination.getAddress(), destination.getPort());
            } else {
                stagingView.clear();
                stagingView.putShort((short) channelNumber).putShort((short) payloadLength);
                stagingView.put(buffer.duplicate().limit(payloadOffset + payloadLength).position(payloadOffset));
                written = socket.sendTo(stagingView, 0, frameLength, destination.getAddress(), destination.getPort());
            }
            return written == frameLength;
        } catch (IOException e) {
            return false;
        }
    }

    private static Socket socketOf(Channel channel) {
        // An epoll channel's file descriptor is its native socket.
        return (Socket) ((EpollDatagramChannel) channel).fd();
    }

    @Override
    public void close() {
        iovecs.release();
        header.release();
        staging.release();
    }
}
