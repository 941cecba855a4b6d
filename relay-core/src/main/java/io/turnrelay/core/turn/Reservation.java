package io.turnrelay.core.turn;

/**
 * A relay port held for a RESERVATION-TOKEN (RFC 8656 §7.2, EVEN-PORT with R=1), with the address families of
 * the allocation that made it: the allocation that redeems the token gets the same ones. It lives in the
 * {@link AllocationLedger}, so any server sharing the ledger can redeem it; only its {@code owner} (the
 * allocator that made it and schedules its expiry) touches its deadline state.
 */
final class Reservation extends Timed {
    final Allocator owner;
    final long token;
    final int port;
    final long expiresAt;
    final boolean ipv4;
    final boolean ipv6;

    Reservation(Allocator owner, long token, int port, long expiresAt, boolean ipv4, boolean ipv6) {
        this.owner = owner;
        this.token = token;
        this.port = port;
        this.expiresAt = expiresAt;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
    }

    @Override
    long deadline() {
        return expiresAt;
    }
}
