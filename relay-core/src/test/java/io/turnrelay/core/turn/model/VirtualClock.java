package io.turnrelay.core.turn.model;

/** The test's only clock: monotonic nanoseconds that tests advance, and unix seconds that follow them. */
final class VirtualClock {
    static final long START_NANOS = 1_000_000_000_000L;
    static final long START_UNIX_SECONDS = 1_800_000_000L;

    private long nanos = START_NANOS;

    long nanos() {
        return nanos;
    }

    void set(long nanos) {
        if (nanos < this.nanos) {
            throw new IllegalArgumentException("time must not go backwards: " + nanos + " < " + this.nanos);
        }
        this.nanos = nanos;
    }

    /** What the server's injected wall clock reads. */
    long unixSeconds() {
        return START_UNIX_SECONDS + (nanos - START_NANOS) / 1_000_000_000L;
    }
}
