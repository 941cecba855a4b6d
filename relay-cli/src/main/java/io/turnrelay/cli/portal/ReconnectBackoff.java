package io.turnrelay.cli.portal;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * How long to wait before the next connection attempt. Before the first join: a constant interval until the
 * initial budget of elapsed time is spent. After a join: exponential with jitter until the cumulative delay of
 * one outage would pass the maximum outage. A {@code Retry-After} from the portal replaces the computed delay.
 * Not thread-safe; the portal client uses it from its own thread.
 */
final class ReconnectBackoff {

    /** Each delay is the current interval times a random factor in [1 - JITTER, 1 + JITTER]. */
    static final double JITTER = 0.5;

    private final PortalSettings.Timings timings;
    private final RandomGenerator random;
    private long currentIntervalNanos;
    private long outageDelayNanos;

    ReconnectBackoff(PortalSettings.Timings timings, RandomGenerator random) {
        this.timings = timings;
        this.random = random;
        joined();
    }

    /** A join succeeded: the next outage starts again from the initial interval with a fresh budget. */
    void joined() {
        currentIntervalNanos = timings.backoffInitial().toNanos();
        outageDelayNanos = 0;
    }

    /** The delay before the next attempt while never joined, or null when the initial budget is spent. */
    @Nullable Duration nextInitialDelay(Duration elapsedSinceFirstAttempt, @Nullable Duration retryAfter) {
        Duration delay = retryAfter != null ? retryAfter : timings.initialRetryInterval();
        if (elapsedSinceFirstAttempt.plus(delay).compareTo(timings.initialRetryBudget()) > 0) {
            return null;
        }
        return delay;
    }

    /** The delay before the next attempt after having joined, or null when the outage budget is spent. */
    @Nullable Duration nextOutageDelay(@Nullable Duration retryAfter) {
        long delayNanos;
        if (retryAfter != null) {
            delayNanos = retryAfter.toNanos();
        } else {
            double factor = 1 - JITTER + random.nextDouble() * 2 * JITTER;
            // Jitter applies to the capped interval, so a delay may exceed the cap by up to JITTER, as in the
            // backoff crate the Firezone relay uses; otherwise relays would retry in lockstep at the cap.
            delayNanos = (long) (currentIntervalNanos * factor);
            currentIntervalNanos = (long) Math.min(
                    currentIntervalNanos * timings.backoffMultiplier(), (double) timings.backoffMax().toNanos());
        }
        if (outageDelayNanos + delayNanos > timings.maxOutage().toNanos()) {
            return null;
        }
        outageDelayNanos += delayNanos;
        return Duration.ofNanos(delayNanos);
    }
}
