package io.turnrelay.core.turn;

import org.jspecify.annotations.Nullable;

/**
 * The bandwidth limits of one direction of one allocation's relaying: its own limit (the user's or the relay's
 * default max-bps), the bucket it is itself, so the relay path reaches it in one hop; and its fair share of the
 * server's {@link SharedCapacity}, which it holds so the relay path needs nothing else. Made only for allocations
 * under some limit, so an unlimited relay pays one null check per datagram.
 *
 * <p>A flow that sends many datagrams a millisecond pays for them in advance. When a datagram has passed the buckets,
 * the budget takes a grant of about a millisecond of the flow's recent bytes from every bucket that applies, if each
 * holds the grant whole and the capacity keeps more than three quarters (far from where flows compete); the datagrams
 * the grant covers then pass on one subtraction, the relay path's only cost of a limit. They would have passed the
 * buckets one by one as well, since a bucket that held their bytes only fills as time goes on. A grant is charged when
 * it is taken, so no bucket ever passes more than its rate; charged early, it may let the flow get ahead of an exact
 * bucket by at most the grant, which is at most 1/1024 of the tighter rate. What is left of a grant when a datagram
 * does not fit is given back. Slow flows, and flows over a limit or competing for the capacity, get no grant: each of
 * their datagrams meets the buckets. An allocation that ends with credit left paid for it; the capacity earns it back
 * within a millisecond.
 */
final class FlowBudget extends TokenBucket {
    /** A grant is at most 1/2^10 of the tighter rate. */
    private static final int GRANT_SHIFT = 10;
    /** A grant aims to last about this long: 2^20 ns, a millisecond. */
    private static final long GRANT_NANOS = 1L << 20;
    /** Whether it has a limit of its own; without one its own bucket is unused. */
    private final boolean limited;
    private final @Nullable SharedCapacity capacity;
    private final @Nullable TokenBucket share;
    /** The last epoch it relayed in, for {@link SharedCapacity}'s count of active flows. */
    long activeEpoch = Long.MIN_VALUE;
    /** The largest grant: 1/1024 of the tighter rate. */
    private final long largestGrant;
    /** Bytes of the current grant not relayed yet. */
    private long credit;
    /** What the current grant was (0 for none). */
    private long granted;
    /** When the last datagram beyond the credit came; the current grant was taken then. */
    private long settledAt;
    private boolean settledOnce;

    /**
     * {@code maxBps} 0 for no limit of its own; {@code capacity} the server's, null when it has none. The own bucket starts
     * full (a new allocation may burst one second's worth); the share bucket starts empty and gets its rate the first
     * time the capacity is contended, so from then on a flow gets its share and no more.
     */
    FlowBudget(long maxBps, @Nullable SharedCapacity capacity) {
        super(Math.max(1, maxBps));
        this.limited = maxBps > 0;
        this.capacity = capacity;
        this.share = capacity != null ? new TokenBucket(1) : null;
        long tighter = capacity == null ? rate() : limited ? Math.min(rate(), capacity.rate()) : capacity.rate();
        this.largestGrant = tighter >> GRANT_SHIFT;
    }

    /**
     * Null when {@code bytes} may be relayed at {@code now} (and are then counted), else why not: over the allocation's
     * own limit, or over the relay's capacity.
     */
    @Nullable DropReason admit(int bytes, long now) {
        long left = credit - bytes;
        if (left >= 0) {
            credit = left;
            return null;
        }
        return admitBeyondCredit(bytes, now);
    }

    /** A datagram the grant does not cover: the rest of the grant goes back, the buckets decide, then a new grant. */
    private @Nullable DropReason admitBeyondCredit(int bytes, long now) {
        long unused = credit;
        long used = granted - unused + bytes;
        credit = 0;
        granted = 0;
        if (unused > 0) {
            if (limited) {
                giveBack(unused);
            }
            SharedCapacity capacity = this.capacity;
            if (capacity != null) {
                capacity.giveBack(unused);
            }
        }
        DropReason refused = admitEachBucket(bytes, now);
        if (refused == null) {
            grant(nextGrant(used, now), bytes, now);
        }
        settledAt = now;
        settledOnce = true;
        return refused;
    }

    /**
     * About a millisecond of what the flow sent since the last grant was taken ({@code used} bytes): twice that when
     * it came within a millisecond, half of it otherwise.
     */
    private long nextGrant(long used, long now) {
        boolean quick = settledOnce && now - settledAt < GRANT_NANOS;
        return quick ? Math.min(largestGrant, 2 * used) : used / 2;
    }

    /** Takes {@code size} in advance from every bucket that holds it whole; a grant under two datagrams is not worth it. */
    private void grant(long size, int bytes, long now) {
        if (size < 2L * bytes) {
            return;
        }
        long before = state();
        if (limited && !tryTakeWhole(size, now)) {
            return;
        }
        SharedCapacity capacity = this.capacity;
        if (capacity != null && !capacity.tryTakeWholeFarFromContention(size, now)) {
            restore(before);
            return;
        }
        credit = size;
        granted = size;
    }

    /** What the buckets say of {@code bytes} on their own, each taking them when all of them let them pass. */
    private @Nullable DropReason admitEachBucket(int bytes, long now) {
        SharedCapacity capacity = this.capacity;
        if (!limited) {
            return capacity == null || capacity.admit(this, bytes, now) ? null : DropReason.RELAY_CAPACITY;
        }
        long before = state();
        if (!tryTake(bytes, now)) {
            return DropReason.BANDWIDTH_LIMIT;
        }
        if (capacity != null && !capacity.admit(this, bytes, now)) {
            restore(before); // not relayed: it keeps its bytes
            return DropReason.RELAY_CAPACITY;
        }
        return null;
    }

    /** Bytes paid for in advance and not relayed yet; for tests. */
    long credit() {
        return credit;
    }

    /** Its share bucket; only called by a {@link SharedCapacity}, which exists only when the budget has one. */
    TokenBucket share() {
        TokenBucket bucket = share;
        if (bucket == null) {
            throw new IllegalStateException("no share of a capacity");
        }
        return bucket;
    }
}
