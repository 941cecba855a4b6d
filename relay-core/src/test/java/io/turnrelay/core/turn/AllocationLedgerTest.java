package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ledger on its own, including from two threads at once, as the shards of a relay use it. */
class AllocationLedgerTest {
    private static final int LOWEST = 40_000;
    private static final int PORTS = 5_000;

    private final AllocationLedger ledger = new AllocationLedger(
            TurnHarness.with(c -> c.portRange(LOWEST, LOWEST + PORTS - 1).maxAllocationsPerUser(3).maxAllocations(4)).config);

    @Test
    void admissionCountsPerUserAndInTotal() {
        assertThat(ledger.admit("bob", true, 0)).isZero();
        assertThat(ledger.admit("bob", true, 0)).isZero();
        assertThat(ledger.admit("bob", true, 0)).isZero();
        assertThat(ledger.admit("bob", true, 0)).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);
        assertThat(ledger.admit("bob", false, 0)).isZero(); // one-per-username mode skips the quota
        assertThat(ledger.admit("carol", true, 0)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(ledger.admit("carol", true, 1)).isZero(); // one of the total is about to be replaced
        assertThat(ledger.allocations()).isEqualTo(5);
        ledger.leave("bob");
        ledger.leave("bob");
        assertThat(ledger.admit("bob", true, 0)).isZero();
        assertThat(ledger.allocations()).isEqualTo(4);
    }

    @Test
    void twoThreadsTakeEveryPortExactlyOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<Integer>>> takers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                SplittableRandom random = new SplittableRandom(t);
                takers.add(threads.submit(() -> {
                    go.await();
                    List<Integer> mine = new ArrayList<>();
                    int port;
                    while ((port = ledger.takePort(random, false, false)) != PortPool.NONE) {
                        mine.add(port);
                        // Admissions interleave with port takes, as Allocates do.
                        if (mine.size() % 3 == 0 && ledger.admit("user", true, 0) == 0) {
                            ledger.leave("user");
                        }
                    }
                    return mine;
                }));
            }
            go.countDown();
            Set<Integer> all = new HashSet<>();
            int total = 0;
            for (Future<List<Integer>> taker : takers) {
                List<Integer> ports = taker.get(30, TimeUnit.SECONDS);
                total += ports.size();
                all.addAll(ports);
            }
            assertThat(total).isEqualTo(PORTS);
            assertThat(all).hasSize(PORTS);
            assertThat(ledger.freePorts()).isZero();
            assertThat(ledger.allocations()).isZero();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void establishingAnAllocationQueuesWorkForTheUsersOtherHoldersAndWakesThemOnceOutsideTheLock() {
        AllocationLedger onePerUser = new AllocationLedger(TurnHarness.with(c -> c.oneAllocationPerUsername(true)).config);
        LedgerMember a = onePerUser.join(TurnHarness.withDefaults().server);
        LedgerMember b = onePerUser.join(TurnHarness.withDefaults().server);
        LedgerMember c = onePerUser.join(TurnHarness.withDefaults().server);
        List<LedgerMember> woken = new ArrayList<>();

        long first = onePerUser.establish(a, "bob", woken);
        onePerUser.establish(c, "carol", woken);
        assertThat(woken).isEmpty();
        long second = onePerUser.establish(b, "bob", woken);
        long third = onePerUser.establish(b, "bob", woken);
        assertThat(first).isLessThan(second);
        assertThat(second).isLessThan(third);
        // One wake-up for the batch (c holds no allocation of bob: never woken); the work spares what came after the newest.
        assertThat(woken).containsExactly(a);
        assertThat(onePerUser.takeEvictions(a)).containsExactly(Map.entry("bob", third));
        assertThat(onePerUser.takeEvictions(a)).isEmpty();
        assertThat(onePerUser.takeEvictions(b)).isEmpty();
        assertThat(onePerUser.takeEvictions(c)).isEmpty();
        assertThat(onePerUser.establishedOf("bob")).isEqualTo(3);

        // Drained work wakes again next time.
        onePerUser.establish(b, "bob", woken);
        assertThat(woken).containsExactly(a, a);
    }

    @Test
    void withoutOnePerUsernameTheLedgerTracksNoHolders() {
        LedgerMember a = ledger.join(TurnHarness.withDefaults().server);
        LedgerMember b = ledger.join(TurnHarness.withDefaults().server);
        List<LedgerMember> woken = new ArrayList<>();
        assertThat(ledger.establish(a, "bob", woken)).isZero();
        assertThat(ledger.establish(b, "bob", woken)).isZero();
        assertThat(woken).isEmpty();
        assertThat(ledger.takeEvictions(a)).isEmpty();
        assertThat(ledger.establishedOf("bob")).isZero();
    }
}
