package io.turnrelay.core.spi;

import io.turnrelay.api.ClientTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Client links for tests that drive the server directly: the 5-tuple of a client at an address on one listener. */
public final class TestLinks {
    /** The listener every test link arrives on. */
    public static final InetSocketAddress LISTENER = new InetSocketAddress(address("198.18.0.1"), 3478);

    private TestLinks() {}

    public static ClientLink udp(InetSocketAddress client) {
        return new ClientLink(ClientTransport.UDP, LISTENER, client);
    }

    public static ClientLink tcp(InetSocketAddress client) {
        return new ClientLink(ClientTransport.TCP, LISTENER, client);
    }

    public static ClientLink tls(InetSocketAddress client) {
        return new ClientLink(ClientTransport.TLS, LISTENER, client);
    }

    public static ClientLink of(ClientTransport transport, InetSocketAddress client) {
        return new ClientLink(transport, LISTENER, client);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
