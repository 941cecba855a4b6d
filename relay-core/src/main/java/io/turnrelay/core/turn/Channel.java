package io.turnrelay.core.turn;

import java.net.InetSocketAddress;

/**
 * A channel binding of one allocation (RFC 8656 §12): number <-> peer transport address. After it
 * expires it stays in its allocation, unbound, for the cooldown, so only the same pair can re-bind.
 */
final class Channel extends Timed {
    final Allocation allocation;
    final int number;
    final InetSocketAddress peer;
    final long cooldownNanos;
    long expiresAt;
    boolean bound;

    Channel(Allocation allocation, int number, InetSocketAddress peer, long expiresAt, long cooldownNanos) {
        this.allocation = allocation;
        this.number = number;
        this.peer = peer;
        this.expiresAt = expiresAt;
        this.cooldownNanos = cooldownNanos;
        this.bound = true;
    }

    /** Bound and not yet past its expiry (handleTimeout may not have run yet). */
    boolean relays(long now) {
        return bound && expiresAt > now;
    }

    long cooldownEnd() {
        return expiresAt + cooldownNanos;
    }

    @Override
    long deadline() {
        return bound ? expiresAt : cooldownEnd();
    }
}
