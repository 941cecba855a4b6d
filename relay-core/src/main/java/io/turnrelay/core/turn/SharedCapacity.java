package io.turnrelay.core.turn;

/**
 * One direction of this server's share of the relay's bandwidth capacity ({@code bpsCapacity}), shared fairly among
 * the allocations that relay through it; it is itself the bucket of the whole capacity. While that holds more than
 * half a second's worth, nobody competes and every datagram takes from it. Below that, each flow may only take its
 * fair share: the rate divided by the flows active in this or the previous epoch (about a second,
 * {@code now >> 30}), metered by the flow's own share bucket. A flow sending less than its share leaves the rest to
 * the others, which may then take it beyond their share as long as the capacity stays above half (max-min fairness,
 * approximately), and a flow sending more cannot crowd the others out.
 *
 * <p>Single-threaded like its server. An uncontended datagram costs one comparison and one multiplication; counting
 * active flows costs a contended one two more comparisons, and a division only when the count changes.
 */
final class SharedCapacity extends TokenBucket {
    private static final int EPOCH_SHIFT = 30;

    private long epoch = Long.MIN_VALUE;
    private int activeNow;
    private int activeBefore;
    private long fairRate;

    SharedCapacity(long bytesPerSecond) {
        super(bytesPerSecond);
        this.fairRate = bytesPerSecond;
    }

    /** Whether {@code bytes} of {@code flow} fit at {@code now}; if so they are taken. */
    boolean admit(FlowBudget flow, int bytes, long now) {
        if (tryTakeUncontended(bytes, now)) {
            return true;
        }
        if (!hasTokens(now)) {
            return false;
        }
        long fairRate = fairRate(flow, now);
        TokenBucket share = flow.share();
        if (share.rate() != fairRate) {
            share.rate(fairRate, now);
        }
        if (!share.tryTake(bytes, now)) {
            return false;
        }
        take(bytes, now);
        return true;
    }

    /**
     * The rate divided by the flows active in this epoch and the one before, counting {@code flow}. Only contended
     * datagrams count, which is every datagram while the capacity is contended: the uncontended path stays two
     * comparisons, and a flow that only sent while nobody competed is no competitor.
     */
    private long fairRate(FlowBudget flow, long now) {
        long current = now >> EPOCH_SHIFT;
        if (current != epoch) {
            activeBefore = current == epoch + 1 ? activeNow : 0;
            activeNow = 0;
            epoch = current;
            fairRate = Math.max(1, rate() / Math.max(1, activeBefore));
        }
        if (flow.activeEpoch != current) {
            flow.activeEpoch = current;
            if (++activeNow > activeBefore) {
                fairRate = Math.max(1, rate() / activeNow);
            }
        }
        return fairRate;
    }
}
