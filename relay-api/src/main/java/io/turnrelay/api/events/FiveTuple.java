package io.turnrelay.api.events;

import io.turnrelay.api.ClientTransport;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A client's 5-tuple (RFC 8656 §2), which identifies its allocation: while an allocation exists no other has the
 * same 5-tuple, so it is a fine key to match an allocation's events.
 *
 * @param client the client's address as the relay sees it (its NAT's public side)
 * @param server the relay listener's address the client reached (a wildcard when the listener is bound to one)
 */
public record FiveTuple(ClientTransport transport, InetSocketAddress client, InetSocketAddress server) {
    public FiveTuple {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
    }
}
