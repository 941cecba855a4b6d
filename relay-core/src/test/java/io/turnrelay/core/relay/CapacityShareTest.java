package io.turnrelay.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each shard of a relay relays at most an equal share of the relay's bandwidth capacity, never nothing. */
class CapacityShareTest {

    @ParameterizedTest(name = "{0} B/s over {1} workers: {2} each")
    @CsvSource({
        "0, 4, 0",
        "100000, 1, 100000",
        "100000, 2, 50000",
        "100000, 3, 33334",
        "3, 4, 1",
        "8589934592, 1024, 8388608",
    })
    void eachShardGetsAnEqualShareRoundedUp(long capacity, int workers, long share) {
        assertThat(ShardedRelay.capacityShare(capacity, workers)).isEqualTo(share);
    }
}
