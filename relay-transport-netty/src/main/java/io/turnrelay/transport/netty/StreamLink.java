package io.turnrelay.transport.netty;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;

/** A TCP or TLS client: the link of one {@link StreamConnection}. */
final class StreamLink extends ClientLink {
    final StreamConnection connection;

    StreamLink(ClientTransport transport, InetSocketAddress local, InetSocketAddress remote, StreamConnection connection) {
        super(transport, local, remote);
        this.connection = connection;
    }
}
