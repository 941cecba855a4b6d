package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.RelayConfig;
import org.junit.jupiter.api.Test;

/**
 * The bucket on its own, where the server-level tests ({@link BandwidthLimitTest}) cannot reach: rates whose byte
 * cost is not a whole number of nanoseconds, the extremes of the rate range, clocks of any origin, rate changes,
 * whole takes and giving back. A flow's budget of buckets is {@link FlowBudgetTest}'s.
 */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aRateThatIsNoWholeNumberOfNanosecondsPerBytePassesItsRateAndNeverMore() {
        long rate = 999_999_937; // prime: a byte costs 1.000000063 ns
        long passed = offerTwiceTheRate(new TokenBucket(rate), rate, 1_000, 0, 3 * SECOND);

        // One second's worth in the full bucket at the start, plus three seconds at the rate, to within one datagram;
        // a datagram costs whole nanoseconds rounded up, so it may fall short by up to one nanosecond per datagram.
        assertThat(passed).isLessThanOrEqualTo(4 * rate + 1_000).isGreaterThanOrEqualTo(fewest(4 * SECOND, 1_000, rate));
    }

    @Test
    void theHighestRateIsMeteredAsPreciselyAsAnyOther() {
        long rate = RelayConfig.MAX_BPS;
        TokenBucket bucket = new TokenBucket(rate);
        long now = 0;
        // Empty the full bucket in the largest datagrams, then count only what the rate earns.
        while (bucket.hasTokens(now)) {
            bucket.take(65_535, now);
        }
        long passed = offerTwiceTheRate(bucket, rate, 100, now, SECOND / 10);

        // A tenth of a second at the rate, less the debt the last large datagram left (under 65,535 bytes, 7.7 µs);
        // a 100-byte datagram costs 11.64 ns, charged as 12, the most any rate loses to rounding.
        assertThat(passed).isLessThanOrEqualTo(rate / 10 + 100).isGreaterThanOrEqualTo(fewest(SECOND / 10 - 7_700, 100, rate));
    }

    @Test
    void theLowestRateTakesTheLargestDatagramsWithoutOverflowing() {
        TokenBucket bucket = new TokenBucket(1);
        long now = 5 * SECOND;

        assertThat(bucket.hasTokens(now)).isTrue();
        bucket.take(1 << 17, now); // it held 1 byte: it owes 2^17 - 1
        long paid = now + ((1L << 17) - 1) * SECOND;
        assertThat(bucket.hasTokens(paid)).as("the moment the debt is paid: empty").isFalse();
        assertThat(bucket.hasTokens(paid + 1)).as("one nanosecond later").isTrue();
    }

    @Test
    void clocksOfAnyOriginMeterTheSame() {
        for (long origin : new long[] {Long.MIN_VALUE + SECOND, -3 * SECOND, 0, 1, Long.MAX_VALUE - 10 * SECOND}) {
            TokenBucket bucket = new TokenBucket(10_000);
            int burst = 0;
            while (bucket.hasTokens(origin) && burst < 100) {
                bucket.take(500, origin);
                burst++;
            }
            assertThat(burst).as("a full bucket's burst from origin %d", origin).isEqualTo(20);
            assertThat(bucket.hasTokens(origin + SECOND / 20 - 1)).as("not quite one datagram earned").isTrue();
            bucket.take(500, origin + SECOND / 20 - 1);
            assertThat(bucket.hasTokens(origin + SECOND / 20)).as("in debt again").isFalse();
            assertThat(bucket.hasTokens(origin + 5 * SECOND)).as("full after idling").isTrue();
        }
    }

    @Test
    void aNewRateKeepsWhatTheBucketHoldsUpToItsNewSize() {
        TokenBucket bucket = new TokenBucket(10_000);
        bucket.take(4_000, 0); // holds 6,000 of 10,000

        bucket.rate(1_000, 0); // holds 1,000 of 1,000: full
        assertThat(bucket.rate()).isEqualTo(1_000);
        assertThat(bucket.tryTakeUncontended(1_000, 0)).isTrue();
        assertThat(bucket.hasTokens(0)).as("emptied by its new size").isFalse();

        bucket.rate(100_000, 0); // holds nothing of 100,000
        assertThat(bucket.hasTokens(0)).isFalse();
        assertThat(bucket.hasTokens(SECOND / 100_000)).as("one byte earned at the new rate").isTrue();
    }

    @Test
    void aNewRateCarriesTheDebtOver() {
        TokenBucket bucket = new TokenBucket(1_000);
        bucket.take(1_500, 0); // owes 500

        bucket.rate(2_000, 0); // still owes 500: paid back in a quarter of a second at the new rate
        assertThat(bucket.hasTokens(SECOND / 4)).isFalse();
        assertThat(bucket.hasTokens(SECOND / 4 + SECOND / 2_000)).isTrue();
    }

    @Test
    void uncontendedMeansMoreThanHalfASecondsWorthLeft() {
        TokenBucket bucket = new TokenBucket(1_000);
        bucket.take(499, 0);
        assertThat(bucket.tryTakeUncontended(1, 0)).as("501 left").isTrue();
        assertThat(bucket.tryTakeUncontended(1, 0)).as("500 left").isFalse();
        assertThat(bucket.tryTake(1, 0)).as("not empty").isTrue();
        assertThat(bucket.tryTakeUncontended(1, 2 * SECOND / 1_000)).as("501 again").isTrue();
    }

    @Test
    void aWholeTakeNeverLeavesTheBucketInDebt() {
        TokenBucket bucket = new TokenBucket(1_000);
        bucket.take(400, 0); // holds 600
        assertThat(bucket.tryTakeWhole(601, 0)).as("one byte more than it holds").isFalse();
        assertThat(bucket.tryTakeWhole(600, 0)).isTrue();
        assertThat(bucket.hasTokens(0)).isFalse();
        assertThat(bucket.tryTakeWhole(1, SECOND / 1_000)).as("the byte earned since").isTrue();
    }

    @Test
    void farFromContentionMeansMoreThanThreeQuartersLeftAfterwards() {
        TokenBucket bucket = new TokenBucket(1_000);
        assertThat(bucket.tryTakeWholeFarFromContention(250, 0)).as("750 would be left").isFalse();
        assertThat(bucket.tryTakeWholeFarFromContention(249, 0)).isTrue();
        assertThat(bucket.tryTakeWholeFarFromContention(1, 0)).as("750 would be left").isFalse();
        assertThat(bucket.tryTakeUncontended(1, 0)).as("still uncontended").isTrue();
    }

    @Test
    void whatIsGivenBackCanBeTakenAgainButNeverMore() {
        TokenBucket bucket = new TokenBucket(1_000);
        bucket.take(400, 0);
        bucket.giveBack(400);
        assertThat(bucket.tryTakeWhole(1_000, 0)).as("full again").isTrue();
        assertThat(bucket.hasTokens(0)).isFalse();

        TokenBucket odd = new TokenBucket(999_999_937); // a byte costs 1.000000063 ns: rounding in both directions
        odd.take(1_000, 0);
        odd.giveBack(1_000);
        assertThat(odd.state()).as("never given back more than taken").isGreaterThanOrEqualTo(1);
    }

    /** The fewest bytes of datagrams of {@code size} that {@code nanos} at {@code rate} pass: each charged 1 ns more. */
    private static long fewest(long nanos, int size, long rate) {
        double exactCost = (double) size * SECOND / rate;
        return (long) (nanos / (exactCost + 1.02)) * size - size;
    }

    /** Offers datagrams of {@code size} at twice {@code rate} or more for {@code nanos} from {@code start}: the bytes passed. */
    private static long offerTwiceTheRate(TokenBucket bucket, long rate, int size, long start, long nanos) {
        long interval = Math.max(1, SECOND * size / (2 * rate));
        long passed = 0;
        for (long now = start; now < start + nanos; now += interval) {
            if (bucket.hasTokens(now)) {
                bucket.take(size, now);
                passed += size;
            }
        }
        return passed;
    }
}
