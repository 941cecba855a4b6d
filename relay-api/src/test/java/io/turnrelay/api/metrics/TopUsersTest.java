package io.turnrelay.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.turnrelay.api.RelayStats;
import io.turnrelay.api.events.EndedAllocation;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.metrics.TopUsers.UserBytes;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopUsersTest {
    @Test
    void addsUpEndedAllocationsPerUserBothWaysAndReportsTheMostFirst() {
        TopUsers top = new TopUsers(2);
        top.onEvent(EndedAllocation.of("alice", 100, 50));
        top.onEvent(EndedAllocation.of("bob", 10, 0));
        top.onEvent(EndedAllocation.of("carol", 0, 120));
        top.onEvent(EndedAllocation.of("alice", 1, 0));
        top.onEvent(new RelayEvent.EventsDropped(Instant.EPOCH, 3)); // not usage: ignored

        assertThat(top.top()).containsExactly(new UserBytes("alice", 151, 0), new UserBytes("carol", 120, 0));
        assertThat(new TopUsers(5).top()).as("nothing ended yet").isEmpty();
    }

    @Test
    void theUsersOfTurnRestAndFirezoneCredentialsCountAsOne() {
        TopUsers top = new TopUsers(3, TopUsers.WITHOUT_EXPIRY);
        top.onEvent(EndedAllocation.of("1700000000:alice", 100, 0));
        top.onEvent(EndedAllocation.of("1700086400:alice", 100, 0));
        top.onEvent(EndedAllocation.of("bob", 50, 0));

        assertThat(top.top()).containsExactly(new UserBytes("alice", 200, 0), new UserBytes("bob", 50, 0));
        assertThat(TopUsers.WITHOUT_EXPIRY.apply("1:a:b")).isEqualTo("a:b");
        for (String kept : List.of("alice", "12ab:x", ":x", "123:", "-1:x")) {
            assertThat(TopUsers.WITHOUT_EXPIRY.apply(kept)).isEqualTo(kept);
        }
    }

    @Test
    void manyOneOffUsersNeitherGrowItNorHideTheHeavyOnes() {
        TopUsers top = new TopUsers(2);
        for (int i = 0; i < 100_000; i++) {
            top.onEvent(EndedAllocation.of("one-off-" + i, 1, 0));
            if (i % 100 == 0) {
                top.onEvent(EndedAllocation.of("heavy", 1_000, 0));
                top.onEvent(EndedAllocation.of("second", 500, 0));
            }
        }
        List<UserBytes> reported = top.top();
        assertThat(reported).extracting(UserBytes::user).containsExactly("heavy", "second");
        // Tracked from their first allocation on, before the one-off users filled it: counted exactly.
        assertThat(reported.get(0).bytes()).isEqualTo(1_000_000);
        assertThat(reported.get(0).maxOvercount()).isZero();
        assertThat(top.trackedUsers()).isEqualTo(2 * TopUsers.TRACKED_PER_REPORTED);
    }

    @Test
    void itsMetricsReadTheUsersItReports() {
        TopUsers top = new TopUsers(2);
        top.onEvent(EndedAllocation.of("alice", 100, 50));
        assertThat(top.metrics()).containsExactly(top.relayedMetric(), top.overcountMetric());
        assertThat(top.metrics()).extracting(RelayMetric::prometheusName)
                .containsExactly("turnrelay_top_user_relayed_bytes", "turnrelay_top_user_overcount_bytes");
        Map<String, Double> relayed = new HashMap<>();
        top.relayedMetric().read(new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of()), new RelayMetric.Series() {
            @Override
            public void value(double value, String... labelValues) {
                relayed.put(String.join(",", labelValues), value);
            }

            @Override
            public void histogram(io.turnrelay.api.Histogram histogram, String... labelValues) {
                throw new AssertionError("a gauge");
            }
        });
        assertThat(relayed).containsExactly(Map.entry("alice", 150.0));
    }

    @Test
    void refusesSizesOutsideItsBounds() {
        assertThatThrownBy(() -> new TopUsers(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopUsers(TopUsers.MAX_REPORTED + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Space-Saving's guarantees, for any order of usage: a reported count never understates a user's bytes and
     * overstates them by at most its maxOvercount, and every user with more than a 1/n share of all bytes is reported.
     */
    @Test
    void reportedCountsBoundTheTrueOnesAndNoHeavyUserIsMissed() {
        qt().withExamples(500)
                .forAll(integers().between(1, 4), lists().of(integers().between(0, 40 * 1_000 - 1)).ofSizeBetween(0, 400))
                .checkAssert((n, draws) -> {
                    TopUsers top = new TopUsers(n);
                    Map<String, Long> truth = new HashMap<>();
                    long total = 0;
                    for (int draw : draws) {
                        // A skewed mix: low user numbers come up far more often.
                        String user = "u" + (draw % 40) * (draw % 40) / 40;
                        long bytes = 1 + draw / 40;
                        top.onEvent(EndedAllocation.of(user, bytes, 0));
                        truth.merge(user, bytes, Long::sum);
                        total += bytes;
                    }
                    List<UserBytes> reported = top.top();
                    assertThat(reported.size()).isLessThanOrEqualTo(n);
                    for (UserBytes user : reported) {
                        long exact = truth.get(user.user());
                        assertThat(user.bytes()).as(user.user()).isGreaterThanOrEqualTo(exact);
                        assertThat(user.bytes() - user.maxOvercount()).as(user.user()).isLessThanOrEqualTo(exact);
                    }
                    for (Map.Entry<String, Long> user : truth.entrySet()) {
                        if (user.getValue() * n > total) {
                            assertThat(reported).extracting(UserBytes::user).as("a heavy user").contains(user.getKey());
                        }
                    }
                    assertThat(top.trackedUsers()).isLessThanOrEqualTo(n * TopUsers.TRACKED_PER_REPORTED);
                });
    }
}
