package io.turnrelay.core.turn;

/** A relay port held for a RESERVATION-TOKEN (RFC 8656 §7.2, EVEN-PORT with R=1). */
final class Reservation extends Timed {
    final long token;
    final int port;
    final long expiresAt;

    Reservation(long token, int port, long expiresAt) {
        this.token = token;
        this.port = port;
        this.expiresAt = expiresAt;
    }

    @Override
    long deadline() {
        return expiresAt;
    }
}
