package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final RelayStats STATS = new RelayStats(3, 5, 2, 100, 12_000, 90, 11_000,
            Map.of("NO_PERMISSION", 7L, "MALFORMED_STUN", 1L), Map.of("allocate/0", 3L, "allocate/401", 4L, "binding/0", 9L), 6);

    /** A sample line: name, optional {labels}, a space and an integer value. */
    private static final Pattern SAMPLE = Pattern.compile("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? -?\\d+");

    @Test
    void rendersGaugesAndLabelledCounters() {
        String text = PrometheusText.render(STATS, null);
        assertThat(lines(text)).contains(
                "turnrelay_allocations 3",
                "turnrelay_permissions 5",
                "turnrelay_channels 2",
                "turnrelay_relayed_packets_total{direction=\"client_to_peer\"} 100",
                "turnrelay_relayed_packets_total{direction=\"peer_to_client\"} 90",
                "turnrelay_relayed_bytes_total{direction=\"client_to_peer\"} 12000",
                "turnrelay_relayed_bytes_total{direction=\"peer_to_client\"} 11000",
                "turnrelay_dropped_packets_total{reason=\"no_permission\"} 7",
                "turnrelay_dropped_packets_total{reason=\"malformed_stun\"} 1",
                "turnrelay_responses_total{method=\"allocate\",code=\"0\"} 3",
                "turnrelay_responses_total{method=\"allocate\",code=\"401\"} 4",
                "turnrelay_responses_total{method=\"binding\",code=\"0\"} 9",
                "turnrelay_send_drops_total 6",
                "# TYPE turnrelay_allocations gauge",
                "# TYPE turnrelay_relayed_bytes_total counter",
                "# TYPE turnrelay_responses_total counter");
    }

    @Test
    void everyLineIsACommentOrAWellFormedSampleAndEveryMetricHasHelpAndType() {
        String text = PrometheusText.render(STATS, PortalState.JOINED);
        assertThat(text).endsWith("\n");
        for (String line : lines(text)) {
            if (line.startsWith("#")) {
                assertThat(line).matches("# (HELP|TYPE) [a-z_]+ .+");
            } else {
                assertThat(line).matches(SAMPLE);
                String name = line.split("[{ ]", 2)[0];
                assertThat(text).contains("# HELP " + name + " ").contains("# TYPE " + name + " ");
            }
        }
    }

    @Test
    void portalStateIsAStateSet() {
        List<String> joined = lines(PrometheusText.render(STATS, PortalState.JOINED));
        assertThat(joined).contains("turnrelay_portal_state{state=\"joined\"} 1", "turnrelay_portal_state{state=\"connecting\"} 0");
        List<String> standalone = lines(PrometheusText.render(STATS, null));
        assertThat(standalone.stream().filter(l -> l.startsWith("turnrelay_portal_state{")))
                .hasSize(PortalState.values().length)
                .allMatch(l -> l.endsWith(" 0"));
    }

    @Test
    void labelValuesAreEscaped() {
        assertThat(PrometheusText.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }
}
