package io.turnrelay.core.turn;

import org.jspecify.annotations.Nullable;

/**
 * The bandwidth limits of one direction of one allocation's relaying: its own limit (the user's or the relay's
 * default max-bps), the bucket it is itself, so the relay path reaches it in one hop; and its fair share of the
 * server's {@link SharedCapacity}, which it holds so the relay path needs nothing else. Made only for allocations
 * under some limit, so an unlimited relay pays one null check per datagram.
 */
final class FlowBudget extends TokenBucket {
    /** Whether it has a limit of its own; without one its own bucket is unused. */
    private final boolean limited;
    private final @Nullable SharedCapacity capacity;
    private final @Nullable TokenBucket share;
    /** The last epoch it relayed in, for {@link SharedCapacity}'s count of active flows. */
    long activeEpoch = Long.MIN_VALUE;

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
    }

    /**
     * Null when {@code bytes} may be relayed at {@code now} (and are then counted), else why not: over the allocation's
     * own limit, or over the relay's capacity.
     */
    @Nullable DropReason admit(int bytes, long now) {
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

    /** Its share bucket; only called by a {@link SharedCapacity}, which exists only when the budget has one. */
    TokenBucket share() {
        TokenBucket bucket = share;
        if (bucket == null) {
            throw new IllegalStateException("no share of a capacity");
        }
        return bucket;
    }
}
