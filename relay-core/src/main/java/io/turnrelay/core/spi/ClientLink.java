package io.turnrelay.core.spi;

import io.turnrelay.api.ClientTransport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A client's 5-tuple (RFC 8656 §2): the transport, the client's address and the listener's address. It identifies
 * the client's allocation, so two links are equal when their 5-tuples are: the same {@code IP:port} over UDP and
 * over TCP are two clients.
 *
 * <p>Transports hand the server one long-lived link per UDP sender (see {@link UdpClientLinks}) or per connection,
 * so relaying allocates nothing; they may subclass it to keep their connection state with it. Equality and hash
 * are fixed here, by value, so a link a transport recreated for the same sender still finds its allocation.
 */
public class ClientLink {
    private final ClientTransport transport;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final int hash;

    /**
     * @param local the listener's address (a wildcard when the listener is bound to one)
     * @param remote the client's address as the listener sees it
     */
    public ClientLink(ClientTransport transport, InetSocketAddress local, InetSocketAddress remote) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.local = Objects.requireNonNull(local, "local");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.hash = (transport.hashCode() * 31 + local.hashCode()) * 31 + remote.hashCode();
    }

    public final ClientTransport transport() {
        return transport;
    }

    public final InetSocketAddress local() {
        return local;
    }

    public final InetSocketAddress remote() {
        return remote;
    }

    /** Whether the link is a TCP or TLS connection (frames are padded, closing it ends its allocation). */
    public final boolean isStream() {
        return transport.isStream();
    }

    @Override
    public final boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        return other instanceof ClientLink link && hash == link.hash && transport == link.transport
                && remote.equals(link.remote) && local.equals(link.local);
    }

    @Override
    public final int hashCode() {
        return hash;
    }

    /** {@code tcp 192.0.2.1:50000 -> 0.0.0.0:3478}. */
    @Override
    public String toString() {
        return transport.label() + " " + format(remote) + " -> " + format(local);
    }

    private static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
        return host + ":" + address.getPort();
    }
}
