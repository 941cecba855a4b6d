package io.turnrelay.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.turnrelay.api.events.EndedAllocation;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.metrics.TopUsers;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TopUsersMetricsTest {
    private static double relayed(MeterRegistry registry, String user) {
        return registry.get("turnrelay.top.user.relayed").tag("user", user).gauge().value();
    }

    @Test
    void theTopUsersHaveGaugesThatFollowEndedAllocationsAndLeaveWithTheirUser() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TopUsersMetrics metrics = new TopUsersMetrics(new TopUsers(2), Tags.of("relay", "eu-1"));
        metrics.bindTo(registry);
        assertThat(registry.find("turnrelay.top.user.relayed").gauges()).as("no user yet").isEmpty();

        metrics.onEvent(EndedAllocation.of("alice", 300, 0));
        metrics.onEvent(EndedAllocation.of("bob", 200, 0));
        metrics.onEvent(new RelayEvent.EventsDropped(Instant.EPOCH, 1));
        assertThat(relayed(registry, "alice")).isEqualTo(300);
        assertThat(relayed(registry, "bob")).isEqualTo(200);
        assertThat(registry.get("turnrelay.top.user.overcount").tag("user", "alice").gauge().value()).isZero();
        assertThat(registry.get("turnrelay.top.user.relayed").tag("user", "alice").gauge().getId().getTag("relay")).isEqualTo("eu-1");

        // The same users: the values move, the meters stay.
        Gauge alice = registry.get("turnrelay.top.user.relayed").tag("user", "alice").gauge();
        metrics.onEvent(EndedAllocation.of("alice", 100, 0));
        assertThat(alice.value()).isEqualTo(400);

        // carol passes bob: bob's meters go.
        metrics.onEvent(EndedAllocation.of("carol", 250, 0));
        assertThat(registry.find("turnrelay.top.user.relayed").gauges()).extracting(gauge -> gauge.getId().getTag("user"))
                .containsExactlyInAnyOrder("alice", "carol");
        assertThat(registry.find("turnrelay.top.user.overcount").gauges()).hasSize(2);
    }

    @Test
    void aRegistryBoundLaterSeesTheUsersAlreadyCountedWithPrometheusNames() {
        TopUsersMetrics metrics = new TopUsersMetrics(new TopUsers(3));
        metrics.onEvent(EndedAllocation.of("alice", 1_000, 0));
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.bindTo(prometheus);

        assertThat(prometheus.scrape()).contains("turnrelay_top_user_relayed_bytes{user=\"alice\"} 1000.0",
                "turnrelay_top_user_overcount_bytes{user=\"alice\"} 0.0");
    }
}
