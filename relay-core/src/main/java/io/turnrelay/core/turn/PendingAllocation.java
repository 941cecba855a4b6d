package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.TransactionId;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** An accepted Allocate whose relay sockets are being bound; becomes an {@link Allocation} when all are. */
final class PendingAllocation {
    final ClientLink client;
    final TransactionId transactionId;
    final Credentials credentials;
    final boolean fingerprint;
    final boolean ipv4;
    final boolean ipv6;
    /** The family a dual request asked for that this server does not serve (ADDRESS-ERROR-CODE 440). */
    final @Nullable AddressFamily unservedFamily;
    final long lifetimeSeconds;
    final boolean evenPort;
    final boolean reserveNext;
    final boolean fromReservation;
    /** Ports whose bind failed: kept taken until this request ends, so retries never pick them again. */
    final List<Integer> failedPorts = new ArrayList<>();
    int port;
    boolean ipv4Bound;
    boolean ipv6Bound;

    PendingAllocation(ClientLink client, TransactionId transactionId, Credentials credentials,
            boolean fingerprint, AllocateTerms terms, int port) {
        this.client = client;
        this.transactionId = transactionId;
        this.credentials = credentials;
        this.fingerprint = fingerprint;
        this.ipv4 = terms.ipv4();
        this.ipv6 = terms.ipv6();
        this.unservedFamily = terms.unservedFamily();
        this.lifetimeSeconds = terms.lifetimeSeconds();
        this.evenPort = terms.evenPort();
        this.reserveNext = terms.reserveNext();
        this.fromReservation = terms.hasToken();
        this.port = port;
    }

    String username() {
        return credentials.username();
    }

    boolean complete() {
        return (!ipv4 || ipv4Bound) && (!ipv6 || ipv6Bound);
    }

    boolean isBound(AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4Bound : ipv6Bound;
    }

    void markBound(AddressFamily family) {
        if (family == AddressFamily.IPV4) {
            ipv4Bound = true;
        } else {
            ipv6Bound = true;
        }
    }

    boolean wants(AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4 : ipv6;
    }
}
