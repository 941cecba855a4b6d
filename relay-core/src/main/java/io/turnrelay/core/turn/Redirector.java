package io.turnrelay.core.turn;

import io.turnrelay.api.AlternateServer;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessageWriter;
import java.net.Inet4Address;
import java.util.List;

/**
 * Where an authenticated Allocate the server cannot take (draining, allocation quota used up, no relay port left)
 * is sent instead: 300 Try Alternate (RFC 8489 §10) naming the next alternate in round-robin order. ALTERNATE-SERVER
 * must have the address family the request came from, so each family rotates over its own alternates; TLS clients
 * rotate over theirs and get the alternate's ALTERNATE-DOMAIN (RFC 8489 §14.15) to check its certificate against.
 * Without a fitting alternate the answer stays 508 Insufficient Capacity.
 */
final class Redirector {
    private final Rotation ipv4;
    private final Rotation ipv6;
    private final Rotation tlsIpv4;
    private final Rotation tlsIpv6;

    Redirector(TurnServerConfig config) {
        this.ipv4 = new Rotation(config.alternateServers(), true);
        this.ipv6 = new Rotation(config.alternateServers(), false);
        this.tlsIpv4 = new Rotation(config.tlsAlternateServers(), true);
        this.tlsIpv6 = new Rotation(config.tlsAlternateServers(), false);
    }

    /** The answer to an Allocate from {@code client} the server cannot take: 300 when an alternate fits it, else 508. */
    int refusal(ClientLink client) {
        return rotationFor(client).servers.isEmpty() ? ErrorCode.INSUFFICIENT_CAPACITY : ErrorCode.TRY_ALTERNATE;
    }

    /** Writes the next alternate for {@code client} into a 300 response; only after {@link #refusal} said 300. */
    void writeNext(StunMessageWriter writer, ClientLink client) {
        AlternateServer alternate = rotationFor(client).take();
        writer.alternateServer(alternate.address());
        String domain = alternate.domain();
        if (domain != null && client.transport() == ClientTransport.TLS) {
            writer.alternateDomain(domain);
        }
    }

    private Rotation rotationFor(ClientLink client) {
        boolean v4 = client.remote().getAddress() instanceof Inet4Address;
        if (client.transport() == ClientTransport.TLS) {
            return v4 ? tlsIpv4 : tlsIpv6;
        }
        return v4 ? ipv4 : ipv6;
    }

    /** The alternates of one address family, taken in turn. */
    private static final class Rotation {
        final List<AlternateServer> servers;
        private int next;

        Rotation(List<AlternateServer> all, boolean ipv4) {
            this.servers = all.stream().filter(a -> (a.address().getAddress() instanceof Inet4Address) == ipv4).toList();
        }

        AlternateServer take() {
            AlternateServer alternate = servers.get(next);
            next = (next + 1) % servers.size();
            return alternate;
        }
    }
}
