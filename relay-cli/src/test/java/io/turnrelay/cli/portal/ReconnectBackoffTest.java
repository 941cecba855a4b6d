package io.turnrelay.cli.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    static final PortalSettings.Timings TIMINGS = new PortalSettings.Timings(
            Duration.ofSeconds(5), Duration.ofSeconds(10), 3, Duration.ofSeconds(1), Duration.ofSeconds(15),
            Duration.ofMillis(500), 1.5, Duration.ofSeconds(60), Duration.ofHours(1));

    @Test
    void beforeTheFirstJoinRetriesAtTheConstantIntervalUntilTheBudgetIsSpent() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(1));

        assertThat(backoff.nextInitialDelay(Duration.ZERO, null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.nextInitialDelay(Duration.ofSeconds(14), null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.nextInitialDelay(Duration.ofMillis(14_001), null)).isNull();
    }

    @Test
    void retryAfterReplacesTheInitialIntervalAndCountsAgainstTheBudget() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(1));

        assertThat(backoff.nextInitialDelay(Duration.ofSeconds(2), Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.nextInitialDelay(Duration.ofSeconds(11), Duration.ofSeconds(5))).isNull();
    }

    @Test
    void afterAJoinGrowsByTheMultiplierWithinTheJitterBandUpToTheCap() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(7));

        double interval = 500;
        for (int attempt = 0; attempt < 20; attempt++) {
            Duration delay = backoff.nextOutageDelay(null);
            assertThat(delay).isNotNull();
            assertThat((double) delay.toMillis())
                    .as("attempt %d", attempt)
                    .isBetween(Math.floor(interval * 0.5) - 1, interval * 1.5 + 1);
            interval = Math.min(interval * 1.5, 60_000);
        }
        assertThat(interval).isEqualTo(60_000);
    }

    @Test
    void jitterActuallyVariesTheDelays() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(3));
        List<Duration> atTheCap = new ArrayList<>();
        for (int attempt = 0; attempt < 14; attempt++) {
            Duration delay = backoff.nextOutageDelay(null);
            if (attempt >= 10) {
                atTheCap.add(delay);
            }
        }
        assertThat(atTheCap).doesNotHaveDuplicates();
    }

    @Test
    void givesUpWhenTheCumulativeDelayWouldPassTheMaximumOutage() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(11));
        long total = 0;
        Duration delay;
        while ((delay = backoff.nextOutageDelay(null)) != null) {
            total += delay.toMillis();
        }
        assertThat(total).isLessThanOrEqualTo(TIMINGS.maxOutage().toMillis())
                .isGreaterThan(TIMINGS.maxOutage().minus(TIMINGS.backoffMax().multipliedBy(3).dividedBy(2)).toMillis());
    }

    @Test
    void aJoinResetsTheIntervalAndTheOutageBudget() {
        PortalSettings.Timings tight = new PortalSettings.Timings(Duration.ofSeconds(5), Duration.ofSeconds(10), 3,
                Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofMillis(500), 2, Duration.ofSeconds(60),
                Duration.ofSeconds(3));
        ReconnectBackoff backoff = new ReconnectBackoff(tight, new Random(5));
        while (backoff.nextOutageDelay(null) != null) {
            // spend the budget
        }

        backoff.joined();

        Duration first = backoff.nextOutageDelay(null);
        assertThat(first).isNotNull().isBetween(Duration.ofMillis(250), Duration.ofMillis(750));
    }

    @Test
    void retryAfterReplacesTheExponentialDelay() {
        ReconnectBackoff backoff = new ReconnectBackoff(TIMINGS, new Random(5));

        assertThat(backoff.nextOutageDelay(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        // the exponential sequence did not advance
        assertThat(backoff.nextOutageDelay(null)).isBetween(Duration.ofMillis(250), Duration.ofMillis(750));
    }
}
