package io.turnrelay.transport.netty;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;

/** A UDP client of one listener socket: replies go out through that socket. */
final class UdpLink extends ClientLink {
    final UdpSocket socket;

    UdpLink(UdpSocket socket, InetSocketAddress local, InetSocketAddress remote) {
        super(ClientTransport.UDP, local, remote);
        this.socket = socket;
    }
}
