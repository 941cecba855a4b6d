package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import io.turnrelay.api.RelayConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * A flow's budget: a datagram the capacity refuses costs the flow's own bucket nothing; and its grants, where a fast
 * flow pays for about a millisecond of datagrams in advance and relays them on its credit, passing what the buckets
 * alone would pass to within one grant, and never more than its rate, while a slow flow never gets one.
 */
class FlowBudgetTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aFastFlowWithinItsLimitRelaysEverythingAndMostOfItOnCredit() {
        long rate = 100_000_000;
        FlowBudget budget = new FlowBudget(rate, null);
        int size = 1_000;
        long interval = SECOND * size / (rate / 2);
        int datagrams = 200_000;
        int onCredit = 0;
        for (int i = 0; i < datagrams; i++) {
            if (budget.credit() >= size) {
                onCredit++;
            }
            assertThat(budget.admit(size, i * interval)).as("datagram %d", i).isNull();
        }
        // A millisecond at 50 MB/s is 50 datagrams: all but about one in fifty pass on credit.
        assertThat(onCredit).isGreaterThan(datagrams * 9 / 10);
    }

    @Test
    void aSlowFlowGetsNoGrantAndEveryDatagramMeetsTheBucket() {
        FlowBudget budget = new FlowBudget(10_000_000, null);
        for (int i = 0; i < 1_000; i++) {
            assertThat(budget.admit(1_000, i * (SECOND / 500))).isNull(); // 2 ms apart
            assertThat(budget.credit()).as("after datagram %d", i).isZero();
        }
    }

    @Test
    void aBurstAtOneInstantPassesWhatTheBucketAloneWouldPass() {
        long rate = 50_000_000;
        FlowBudget budget = new FlowBudget(rate, null);
        TokenBucket exact = new TokenBucket(rate);
        long now = 7 * SECOND;
        int passed = 0;
        while (budget.admit(1_200, now) == null) {
            passed++;
        }
        int exactly = 0;
        while (exact.tryTake(1_200, now)) {
            exactly++;
        }
        // The grants cost whole nanoseconds once each rather than once per datagram: at most one more datagram.
        assertThat(passed).isBetween(exactly, exactly + 1);
        assertThat(budget.credit()).isZero();
    }

    @Test
    void whatIsLeftOfAGrantWhenADatagramDoesNotFitGoesBack() {
        long rate = 100_000_000;
        FlowBudget budget = new FlowBudget(rate, null);
        long now = 0;
        while (budget.credit() == 0) { // at half the rate, so the bucket is always full
            assertThat(budget.admit(100, now)).isNull();
            now += 2_000;
        }
        long credit = budget.credit();
        assertThat(budget.admit(Math.toIntExact(credit + 1), now)).isNull();
        // The grant's bytes were given back, the bucket alone took the large datagram, then came the next grant (at
        // 10 ns a byte): as an exact bucket fed the same datagrams, plus that grant.
        TokenBucket exact = new TokenBucket(rate);
        for (long t = 0; t < now; t += 2_000) {
            exact.tryTake(100, t);
        }
        exact.tryTake(Math.toIntExact(credit + 1), now);
        assertThat(budget.state() - 10 * budget.credit()).isBetween(exact.state() - 1, exact.state() + 1);
    }

    @Test
    void aDatagramTheCapacityRefusesBeyondTheCreditCostsTheFlowNothing() {
        SharedCapacity capacity = new SharedCapacity(200_000_000);
        FlowBudget flow = new FlowBudget(100_000_000, capacity);
        long now = 0;
        while (flow.credit() == 0) {
            assertThat(flow.admit(1_000, now)).isNull();
            now += 1_000;
        }
        // Someone else empties the capacity; the flow's credit was paid for and still passes.
        while (capacity.hasTokens(now)) {
            capacity.take(65_535, now);
        }
        while (flow.credit() >= 1_000) {
            assertThat(flow.admit(1_000, now)).isNull();
        }
        long before = flow.state();
        assertThat(flow.admit(1_000, now)).isEqualTo(DropReason.RELAY_CAPACITY);
        assertThat(flow.state()).as("its own bucket as before, with the credit's rest given back").isLessThanOrEqualTo(before);
    }

    @Test
    void aDatagramTheCapacityRefusesCostsTheFlowNothing() {
        SharedCapacity capacity = new SharedCapacity(1_000);
        FlowBudget flow = new FlowBudget(10_000, capacity);
        assertThat(flow.admit(1_000, 0)).as("the capacity's full bucket").isNull();

        for (int i = 0; i < 50; i++) {
            assertThat(flow.admit(100, 0)).isEqualTo(DropReason.RELAY_CAPACITY);
        }
        // Its own bucket (the budget itself) gave back each refused datagram's bytes: 9,000 left of 10,000.
        int passed = 0;
        while (flow.tryTake(100, 0)) {
            passed++;
        }
        assertThat(passed).isEqualTo(90);
    }

    /**
     * Any rate, datagram size and arrival pattern: the budget passes what an exact bucket fed the same datagrams passes,
     * to within one grant and one datagram, and never more than the rate allows.
     */
    @Test
    void grantsPassWhatTheBucketAlonePassesToWithinOneGrantAndNeverMoreThanTheRate() {
        qt().withExamples(300)
                .forAll(Generate.longRange(20, 33), Generate.range(1, 65_535), Generate.range(1, 40), Generate.longRange(0, Long.MAX_VALUE))
                .checkAssert((rateBits, largest, loadTenths, seed) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    long rate = Math.min(RelayConfig.MAX_BPS, (1L << rateBits) + random.nextLong(1L << rateBits));
                    FlowBudget budget = new FlowBudget(rate, null);
                    TokenBucket exact = new TokenBucket(rate);
                    long meanGap = Math.max(1, (long) ((largest / 2.0) * SECOND / rate * 10 / loadTenths));
                    long start = random.nextLong(-SECOND, SECOND);
                    long now = start;
                    long passed = 0;
                    long exactlyPassed = 0;
                    for (int i = 0; i < 20_000; i++) {
                        int size = 1 + random.nextInt(largest);
                        // Bursts: most gaps short, some long.
                        now += random.nextInt(8) == 0 ? random.nextLong(8 * meanGap) : random.nextLong(meanGap / 2 + 1);
                        if (budget.admit(size, now) == null) {
                            passed += size;
                        }
                        if (exact.tryTake(size, now)) {
                            exactlyPassed += size;
                        }
                    }
                    long grant = rate >> 10;
                    assertThat(passed).as("rate %d, largest %d", rate, largest)
                            .isBetween(exactlyPassed - grant - largest, exactlyPassed + grant + largest);
                    long allowed = rate + (long) ((double) (now - start) * rate / SECOND) + largest;
                    assertThat(passed).as("never more than the rate: rate %d", rate).isLessThanOrEqualTo(allowed);
                });
    }
}
