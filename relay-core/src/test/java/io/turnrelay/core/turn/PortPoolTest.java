package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PortPoolTest {
    final SplittableRandom random = new SplittableRandom(1);

    @Test
    void randomPortsAreDistinctUntilTheRangeIsExhausted() {
        PortPool pool = new PortPool(100, 109);
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            int port = pool.takeRandom(random);
            assertThat(port).isBetween(100, 109);
            assertThat(taken.add(port)).isTrue();
        }
        assertThat(pool.takeRandom(random)).isEqualTo(PortPool.NONE);
        pool.release(104);
        assertThat(pool.takeRandom(random)).isEqualTo(104);
    }

    @Test
    void releaseIsIdempotentAndIgnoresForeignPorts() {
        PortPool pool = new PortPool(100, 101);
        pool.release(100);
        pool.release(5);
        assertThat(pool.freeCount()).isEqualTo(2);
        assertThat(pool.take(100)).isTrue();
        assertThat(pool.take(100)).isFalse();
        pool.release(100);
        pool.release(100);
        assertThat(pool.freeCount()).isEqualTo(2);
    }

    @Test
    void evenPortsWithTheNextOneReserved() {
        PortPool pool = new PortPool(100, 105);
        pool.take(103); // only 100/101 and 104/105 remain as free pairs
        int first = pool.takeRandomEven(random, true);
        int second = pool.takeRandomEven(random, true);
        assertThat(Set.of(first, second)).containsExactlyInAnyOrder(100, 104);
        assertThat(pool.isFree(first + 1)).isFalse();
        assertThat(pool.takeRandomEven(random, true)).isEqualTo(PortPool.NONE);
        assertThat(pool.takeRandomEven(random, false)).isEqualTo(102);
    }

    @Test
    void randomChoiceCoversTheRange() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            PortPool pool = new PortPool(49152, 65535);
            seen.add(pool.takeRandom(random));
        }
        assertThat(seen).hasSizeGreaterThan(190); // not a fixed or sequential choice
    }
}
