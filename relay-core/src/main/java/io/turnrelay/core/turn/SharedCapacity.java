package io.turnrelay.core.turn;

/**
 * One direction of this server's share of the relay's bandwidth capacity ({@code bpsCapacity}), shared fairly among
 * the allocations that relay through it. While more than half a second's worth is left, nobody competes and every
 * datagram takes from it. Below that, each flow may only take its fair share: the rate divided by the flows active
 * in this or the previous epoch (about a second, {@code now >> 30}), metered by the flow's own share bucket. A flow
 * sending less than its share leaves the rest to the others, which may then take it beyond their share as long as
 * the capacity stays above half (max-min fairness, approximately), and a flow sending more cannot crowd the others out.
 *
 * <p>Single-threaded like its server. Counting active flows costs one comparison per datagram and a division only
 * when the count changes.
 */
final class SharedCapacity {
    private static final int EPOCH_SHIFT = 30;

    private final long rate;
    private final TokenBucket total;
    private long epoch = Long.MIN_VALUE;
    private int activeNow;
    private int activeBefore;
    private long fairRate;

    SharedCapacity(long bytesPerSecond) {
        this.rate = bytesPerSecond;
        this.total = new TokenBucket(bytesPerSecond);
        this.fairRate = bytesPerSecond;
    }

    /** Whether {@code bytes} of {@code flow} fit at {@code now}; if so they are taken. */
    boolean admit(FlowBudget flow, int bytes, long now) {
        long current = now >> EPOCH_SHIFT;
        if (current != epoch) {
            activeBefore = current == epoch + 1 ? activeNow : 0;
            activeNow = 0;
            epoch = current;
            fairRate = Math.max(1, rate / Math.max(1, activeBefore));
        }
        if (flow.activeEpoch != current) {
            flow.activeEpoch = current;
            if (++activeNow > activeBefore) {
                fairRate = Math.max(1, rate / activeNow);
            }
        }
        TokenBucket total = this.total;
        total.refill(now);
        if (total.moreThanHalfFull()) {
            total.take(bytes);
            return true;
        }
        if (!total.hasTokens()) {
            return false;
        }
        TokenBucket share = flow.share();
        share.refill(now);
        if (share.rate() != fairRate) {
            share.rate(fairRate);
        }
        if (!share.hasTokens()) {
            return false;
        }
        share.take(bytes);
        total.take(bytes);
        return true;
    }
}
