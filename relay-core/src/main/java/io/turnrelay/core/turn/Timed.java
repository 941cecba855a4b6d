package io.turnrelay.core.turn;

/** Something with a deadline in {@link Deadlines}: allocation, permission, channel or port reservation. */
abstract class Timed {
    static final long NOT_SCHEDULED = Long.MIN_VALUE;

    /** The deadline of this object's live entry in {@link Deadlines}; entries with another value are stale. */
    long scheduledAt = NOT_SCHEDULED;
    /** Set when the object leaves the server's state, so its pending entries are skipped. */
    boolean removed;

    /** When {@link TurnServer#handleTimeout} next has work for this object. */
    abstract long deadline();
}
