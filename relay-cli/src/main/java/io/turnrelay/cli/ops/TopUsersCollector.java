package io.turnrelay.cli.ops;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.turnrelay.api.metrics.TopUsers;
import io.turnrelay.api.metrics.TopUsers.UserBytes;
import java.util.List;

/**
 * The opt-in per-user series of {@code --metrics-top-users N}: the payload bytes of the N users who relayed the most,
 * with a {@code user} label, and how much each count may overstate. Bounded by N, unlike a label on every metric
 * (coturn#666); the series change as users enter and leave the top N.
 */
public final class TopUsersCollector implements MultiCollector {
    private final TopUsers top;

    public TopUsersCollector(TopUsers top) {
        this.top = top;
    }

    @Override
    public MetricSnapshots collect() {
        List<UserBytes> users = top.top();
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("turnrelay_top_user_relayed_bytes").unit(Unit.BYTES)
                .help("Payload bytes relayed both ways by each of the users who relayed the most (--metrics-top-users),"
                        + " from their allocations that ended since the start.");
        GaugeSnapshot.Builder overcount = GaugeSnapshot.builder().name("turnrelay_top_user_overcount_bytes").unit(Unit.BYTES)
                .help("How many bytes of turnrelay_top_user_relayed_bytes may belong to users it displaced from the"
                        + " tracked set; 0 when the user's count is exact.");
        for (UserBytes user : users) {
            Labels labels = Labels.of("user", user.user());
            bytes.dataPoint(GaugeDataPointSnapshot.builder().value(user.bytes()).labels(labels).build());
            overcount.dataPoint(GaugeDataPointSnapshot.builder().value(user.maxOvercount()).labels(labels).build());
        }
        return MetricSnapshots.of(bytes.build(), overcount.build());
    }
}
