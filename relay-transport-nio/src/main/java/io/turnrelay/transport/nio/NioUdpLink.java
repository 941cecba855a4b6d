package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/** A UDP client of one listener socket: replies go out through that socket. */
final class NioUdpLink extends ClientLink {
    final DatagramChannel channel;

    NioUdpLink(DatagramChannel channel, InetSocketAddress local, InetSocketAddress remote) {
        super(ClientTransport.UDP, local, remote);
        this.channel = channel;
    }
}
