package io.turnrelay.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.RelayStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayMetricsTest {
    private static final RelayStats STATS = new RelayStats(1, 0, 0, 5, 500, 0, 0, Map.of("NO_PERMISSION", 3L), Map.of("allocate/0", 1L), 2,
            Map.of(ClientTransport.UDP, new ClientTransportStats(1, 0, 0, 5, 500, 0, 0, Map.of("NO_PERMISSION", 1L),
                    Map.of("allocate/0", 1L, "refresh/437", 2L), 0, 0, Map.of(), 0)));

    @Test
    void namesAreUniqueAndPrometheusNamesCarryTheirUnit() {
        List<String> names = RelayMetrics.all().stream().map(RelayMetric::prometheusName).toList();
        assertThat(names).doesNotHaveDuplicates().allMatch(n -> n.matches("turnrelay_[a-z_]+")).noneMatch(n -> n.endsWith("_total"));
        assertThat(names).contains("turnrelay_allocations", "turnrelay_relayed_packets", "turnrelay_relayed_bytes",
                "turnrelay_allocation_duration_seconds", "turnrelay_relayed_datagram_size_bytes", "turnrelay_connections_closed");
    }

    @Test
    void everySeriesHasAValueForEachLabel() {
        for (RelayMetric metric : RelayMetrics.all()) {
            List<String> series = new ArrayList<>();
            metric.read(STATS, new RelayMetric.Series() {
                @Override
                public void value(double value, String... labelValues) {
                    assertThat(metric.type()).isNotEqualTo(RelayMetric.Type.HISTOGRAM);
                    assertThat(labelValues).as(metric.toString()).hasSameSizeAs(metric.labelNames());
                    series.add(String.join(",", labelValues) + "=" + value);
                }

                @Override
                public void histogram(Histogram histogram, String... labelValues) {
                    assertThat(metric.type()).isEqualTo(RelayMetric.Type.HISTOGRAM);
                    assertThat(labelValues).as(metric.toString()).hasSameSizeAs(metric.labelNames());
                    series.add(String.join(",", labelValues));
                }
            });
            assertThat(series).as(metric.toString()).doesNotHaveDuplicates();
            if (!metric.name().equals("turnrelay.connections.closed")) { // no close reason named in these stats
                assertThat(series).as(metric.toString()).isNotEmpty();
            }
        }
    }

    @Test
    void dropsOfPeerDatagramsThatReachedNoClientHaveTransportNone() {
        RelayMetric drops = metric("turnrelay.dropped.packets");
        List<String> series = new ArrayList<>();
        drops.read(STATS, values(series));
        assertThat(series).containsExactly("udp,no_permission=1.0", "tcp,no_permission=0.0", "tls,no_permission=0.0", "none,no_permission=2.0");
    }

    @Test
    void responsesAreSplitIntoMethodAndCode() {
        List<String> series = new ArrayList<>();
        metric("turnrelay.responses").read(STATS, values(series));
        assertThat(series).containsExactly("udp,allocate,0=1.0", "udp,refresh,437=2.0");
    }

    @Test
    void namesAndLabelsAreCheckedAtDefinition() {
        assertThatThrownBy(() -> new RelayMetric("Turn_Relay", RelayMetric.Type.GAUGE, "h", null, List.of(), (s, o) -> {}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RelayMetric("turnrelay.x", RelayMetric.Type.GAUGE, "h", null, List.of("Bad-Label"), (s, o) -> {}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new RelayMetric("turnrelay.relayed.bytes", RelayMetric.Type.COUNTER, "h", "bytes", List.of(), (s, o) -> {}).prometheusName())
                .isEqualTo("turnrelay_relayed_bytes");
        assertThat(new RelayMetric("turnrelay.allocation.duration", RelayMetric.Type.HISTOGRAM, "h", "seconds", List.of(), (s, o) -> {})
                .prometheusName()).isEqualTo("turnrelay_allocation_duration_seconds");
    }

    private static RelayMetric metric(String name) {
        return RelayMetrics.all().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    private static RelayMetric.Series values(List<String> into) {
        return new RelayMetric.Series() {
            @Override
            public void value(double value, String... labelValues) {
                into.add(String.join(",", labelValues) + "=" + value);
            }

            @Override
            public void histogram(Histogram histogram, String... labelValues) {
                throw new AssertionError("not a histogram");
            }
        };
    }
}
