package io.turnrelay.transport.nio;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;

/** A TCP or TLS client: the link of one {@link NioStream} connection. */
final class NioStreamLink extends ClientLink {
    final NioStream stream;

    NioStreamLink(ClientTransport transport, InetSocketAddress local, InetSocketAddress remote, NioStream stream) {
        super(transport, local, remote);
        this.stream = stream;
    }
}
