package io.turnrelay.transport.netty;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** One bound UDP socket of a {@link NettyTransport}, whichever of Netty's I/O drives it. Used on the loop thread. */
interface NettyUdpSocket {

    /** Sends {@code length} bytes at absolute index {@code offset} of {@code buffer}; false when dropped. */
    boolean send(ByteBuffer buffer, int offset, int length, InetSocketAddress destination);

    /** Sends a ChannelData frame whose payload lies at absolute index {@code payloadOffset}; false when dropped. */
    boolean sendChannelData(int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength, InetSocketAddress destination);

    /** Stops reading and releases the port. */
    void close();
}
