package io.turnrelay.core.turn;

import org.jspecify.annotations.Nullable;

/**
 * The bandwidth limits of one direction of one allocation's relaying: its own limit (the user's or the relay's
 * default max-bps) and its fair share of the server's {@link SharedCapacity}. Made only for allocations under some
 * limit, so an unlimited relay pays one null check per datagram.
 */
final class FlowBudget {
    private final @Nullable TokenBucket own;
    private final @Nullable TokenBucket share;
    /** The last epoch it relayed in, for {@link SharedCapacity}'s count of active flows. */
    long activeEpoch = Long.MIN_VALUE;

    /**
     * {@code maxBps} 0 for no limit of its own; {@code sharedCapacity} when the server has one. The own bucket starts
     * full (a new allocation may burst one second's worth); the share bucket starts empty and gets its rate the first
     * time the capacity is contended, so from then on a flow gets its share and no more.
     */
    FlowBudget(long maxBps, boolean sharedCapacity) {
        this.own = maxBps > 0 ? new TokenBucket(maxBps) : null;
        this.share = sharedCapacity ? new TokenBucket(1) : null;
    }

    /**
     * Null when {@code bytes} may be relayed at {@code now} (and are then counted), else why not: over the allocation's
     * own limit, or over the relay's capacity ({@code capacity} null when it has none).
     */
    @Nullable DropReason admit(@Nullable SharedCapacity capacity, int bytes, long now) {
        TokenBucket own = this.own;
        if (own != null) {
            own.refill(now);
            if (!own.hasTokens()) {
                return DropReason.BANDWIDTH_LIMIT;
            }
        }
        if (capacity != null && !capacity.admit(this, bytes, now)) {
            return DropReason.RELAY_CAPACITY;
        }
        if (own != null) {
            own.take(bytes);
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
