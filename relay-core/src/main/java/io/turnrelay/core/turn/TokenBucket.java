package io.turnrelay.core.turn;

/**
 * A token bucket for one flow of relayed bytes, driven by the caller's monotonic time: it holds one second's worth
 * of its rate when full, and starts full. A datagram passes while the bucket is not empty and takes its bytes, which
 * may leave the bucket in debt by less than one datagram: a datagram of any size gets through at the set rate (a
 * bucket that had to hold a whole datagram would never pass one larger than a second's worth), and over time the rate
 * is exact, the debt being paid back first.
 *
 * <p>Tokens are counted in byte-nanoseconds (bytes times 10^9), so refilling at {@code rate} bytes per second over
 * {@code elapsed} nanoseconds is one multiplication: per datagram there is no division, no allocation and no clock
 * read. Rates go up to {@link io.turnrelay.api.RelayConfig#MAX_BPS}, where a full bucket still fits in a long.
 */
class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private long rate;
    /** One second's worth: rate * 10^9. */
    private long capacity;
    /** Elapsed nanoseconds beyond which the bucket is full whatever it held (keeps elapsed * rate in range). */
    private long fillTime;
    private long tokens;
    /** Long.MIN_VALUE until first used: the first refill only takes the time. */
    private long refilledAt = Long.MIN_VALUE;

    /** A full bucket of {@code bytesPerSecond} (1 to MAX_BPS). */
    TokenBucket(long bytesPerSecond) {
        rate(bytesPerSecond);
        tokens = capacity;
    }

    long rate() {
        return rate;
    }

    /** A new rate from now on; the bucket keeps what it holds, up to its new size. */
    void rate(long bytesPerSecond) {
        rate = bytesPerSecond;
        capacity = bytesPerSecond * NANOS_PER_SECOND;
        // Full after one second plus the longest debt (one 64 KiB datagram) at this rate.
        fillTime = Math.min(Long.MAX_VALUE / bytesPerSecond, NANOS_PER_SECOND + (65_536L * NANOS_PER_SECOND) / bytesPerSecond);
        tokens = Math.min(tokens, capacity);
    }

    /** Adds what {@code now} earned since the last refill. */
    void refill(long now) {
        long elapsed = now - refilledAt;
        if (elapsed <= 0) {
            if (refilledAt == Long.MIN_VALUE) {
                refilledAt = now; // the first use: full already (the subtraction overflowed)
            }
            return;
        }
        refilledAt = now;
        if (elapsed >= fillTime) {
            tokens = capacity;
            return;
        }
        long added = elapsed * rate;
        tokens = added >= capacity - tokens ? capacity : tokens + added;
    }

    boolean hasTokens() {
        return tokens > 0;
    }

    /** More than half a second's worth left: there is no contention for it. */
    boolean moreThanHalfFull() {
        return tokens > capacity >> 1;
    }

    void take(int bytes) {
        tokens -= bytes * NANOS_PER_SECOND;
    }
}
