package io.turnrelay.core.turn;

/**
 * A token bucket for one flow of relayed bytes, driven by the caller's monotonic time: it holds one second's worth
 * of its rate when full, and starts full. A datagram passes while the bucket is not empty and takes its bytes, which
 * may leave the bucket in debt by less than one datagram: a datagram of any size gets through at the set rate (a
 * bucket that had to hold a whole datagram would never pass one larger than a second's worth), and over time the rate
 * is kept, the debt being paid back first.
 *
 * <p>It is kept as the time at which it will be full again rather than as a count of tokens (the virtual-scheduling
 * form of the same bucket): holding {@code (fullAt - now) * rate} bytes less than a second's worth, it is empty when
 * that time is a second or more away, and taking bytes moves it later by what they cost at the rate. Nothing refills
 * it, so a datagram costs one comparison and one multiplication, with no division, allocation or clock read. A
 * datagram costs whole nanoseconds, rounded up: never more than the rate, and at most one nanosecond per datagram
 * less (0.1 % for 1,000-byte datagrams at 1 GB/s). Like the rest of the core, it takes the clock not to wrap.
 */
class TokenBucket {
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int FRACTION_BITS = 16;
    private static final long ROUND_UP = (1L << FRACTION_BITS) - 1;

    private long rate;
    /**
     * Nanoseconds per byte in 1/2^16 ns, rounded up: at most 2^46 (1 byte per second), so a datagram of up to 2^17
     * bytes costs less than 2^63.
     */
    private long costPerByte;
    /** When it will be full again; in the past when it is full (at first the earliest time there is). */
    private long fullAt = Long.MIN_VALUE;

    /** A full bucket of {@code bytesPerSecond} (1 to MAX_BPS). */
    TokenBucket(long bytesPerSecond) {
        setRate(bytesPerSecond);
    }

    long rate() {
        return rate;
    }

    /** A new rate from {@code now} on; the bucket keeps the bytes it holds (or owes), up to its new size. */
    void rate(long bytesPerSecond, long now) {
        // Bytes short of full, at the old rate; in double because (1 s + debt) * rate may pass 2^63 at high rates.
        double missing = (Math.max(fullAt, now) - now) * (double) rate / WINDOW_NANOS;
        double held = Math.min(rate - missing, bytesPerSecond);
        setRate(bytesPerSecond);
        fullAt = now + (long) Math.ceil((bytesPerSecond - held) * WINDOW_NANOS / bytesPerSecond);
    }

    private void setRate(long bytesPerSecond) {
        rate = bytesPerSecond;
        costPerByte = ((WINDOW_NANOS << FRACTION_BITS) + bytesPerSecond - 1) / bytesPerSecond;
    }

    /** Whether it is not empty at {@code now}. */
    boolean hasTokens(long now) {
        return Math.max(fullAt, now) - now < WINDOW_NANOS;
    }

    /** Takes {@code bytes} (at most 2^17) at {@code now} if it is not empty; whether it did. */
    boolean tryTake(int bytes, long now) {
        return tryTakeWithin(bytes, now, WINDOW_NANOS);
    }

    /**
     * Takes {@code bytes} at {@code now} if more than half a second's worth is left (there is no contention for it);
     * whether it did.
     */
    boolean tryTakeUncontended(int bytes, long now) {
        return tryTakeWithin(bytes, now, WINDOW_NANOS / 2);
    }

    /** Takes {@code bytes} if the bucket will be full again in less than {@code nanos}; whether it did. */
    private boolean tryTakeWithin(int bytes, long now, long nanos) {
        long from = Math.max(fullAt, now);
        if (from - now >= nanos) {
            return false;
        }
        fullAt = from + cost(bytes);
        return true;
    }

    /**
     * Takes {@code bytes} at {@code now} if the bucket holds them all, so it is not in debt afterwards; whether it did.
     * For paying in advance, where a debt would let more through than the rate; {@code bytes} at most 1/1024 of the
     * rate, or a datagram's worth.
     */
    boolean tryTakeWhole(long bytes, long now) {
        return tryTakeLeaving(bytes, now, WINDOW_NANOS);
    }

    /**
     * The same, leaving more than three quarters of a second's worth: a capacity far from the half where flows start
     * to compete, so a grant never moves it there.
     */
    boolean tryTakeWholeFarFromContention(long bytes, long now) {
        return tryTakeLeaving(bytes, now, WINDOW_NANOS / 4 - 1);
    }

    /** Takes {@code bytes} if afterwards the bucket will be full again within {@code nanos}; whether it did. */
    private boolean tryTakeLeaving(long bytes, long now, long nanos) {
        long until = Math.max(fullAt, now) + cost(bytes);
        if (until - now > nanos) {
            return false;
        }
        fullAt = until;
        return true;
    }

    /**
     * Gives back {@code bytes} taken earlier and not relayed, rounded down so it never gives back more than it took.
     * Refilling may have made the bucket full since; it then stays full, as it would have.
     */
    void giveBack(long bytes) {
        fullAt -= (bytes * costPerByte) >>> FRACTION_BITS;
    }

    /** Takes {@code bytes} at {@code now}, after {@link #hasTokens}. */
    void take(int bytes, long now) {
        fullAt = Math.max(fullAt, now) + cost(bytes);
    }

    /** What it holds, to {@link #restore} if what was taken must be given back. */
    long state() {
        return fullAt;
    }

    void restore(long state) {
        fullAt = state;
    }

    private long cost(long bytes) {
        return (bytes * costPerByte + ROUND_UP) >>> FRACTION_BITS;
    }
}
