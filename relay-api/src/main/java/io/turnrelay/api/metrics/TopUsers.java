package io.turnrelay.api.metrics;

import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The users who relayed the most payload bytes, for an opt-in metric with a per-user label that stays bounded: a
 * {@link RelayEventListener} that adds up the usage of each ended allocation ({@link RelayEvent.AllocationDeleted})
 * per user, tracking at most {@link #TRACKED_PER_REPORTED} times as many users as it reports (the Space-Saving
 * summary). However many users come and go, it holds that many counters and reports at most {@code n} series.
 *
 * <p>A user who is not tracked when one of its allocations ends takes the place of the tracked user with the fewest
 * bytes and starts from that count, which {@link UserBytes#maxOvercount()} then gives as the most it may overstate
 * the user's bytes. Any user whose bytes are more than a {@code 1 / (4 n)} share of all the bytes counted is always
 * tracked. An allocation counts when it ends, so a long call shows up once it is over. Thread-safe: the relay's event
 * thread adds, a metrics scrape reads.
 */
public final class TopUsers implements RelayEventListener {
    /** Users tracked for each one reported: more make the ranking of the reported ones more exact. */
    public static final int TRACKED_PER_REPORTED = 4;
    /** The most users one may report. */
    public static final int MAX_REPORTED = 1_000;

    /**
     * Drops a leading {@code <decimal expiry>:} from a username, as the TURN REST API and the Firezone scheme write
     * it, so the ever-new credentials of one user count as that user; other usernames are left as they are.
     */
    public static final UnaryOperator<String> WITHOUT_EXPIRY = TopUsers::withoutExpiry;

    /**
     * One user's bytes, both directions together.
     *
     * @param maxOvercount how many of {@code bytes} may belong to users it displaced (0 when it was tracked from its
     *     first allocation on)
     */
    public record UserBytes(String user, long bytes, long maxOvercount) {
        public UserBytes {
            Objects.requireNonNull(user, "user");
        }
    }

    private final int reported;
    private final int tracked;
    private final UnaryOperator<String> userOf;
    private final Map<String, Counter> counters = new HashMap<>();
    private final RelayMetric relayedMetric = new RelayMetric("turnrelay.top.user.relayed", RelayMetric.Type.GAUGE,
            "Payload bytes relayed both ways by each of the users who relayed the most, over their ended allocations.",
            "bytes", List.of("user"), (ignored, series) -> top().forEach(user -> series.value(user.bytes(), user.user())));
    private final RelayMetric overcountMetric = new RelayMetric("turnrelay.top.user.overcount", RelayMetric.Type.GAUGE,
            "How many bytes of turnrelay.top.user.relayed may belong to users it displaced from the tracked set;"
                    + " 0 when the count is exact.",
            "bytes", List.of("user"), (ignored, series) -> top().forEach(user -> series.value(user.maxOvercount(), user.user())));

    /** The {@code n} users (1 to {@link #MAX_REPORTED}) with the most bytes, each username being a user. */
    public TopUsers(int n) {
        this(n, UnaryOperator.identity());
    }

    /**
     * The {@code n} users (1 to {@link #MAX_REPORTED}) with the most bytes; {@code userOf} tells the user of a
     * username (e.g. {@link #WITHOUT_EXPIRY}).
     */
    public TopUsers(int n, UnaryOperator<String> userOf) {
        if (n < 1 || n > MAX_REPORTED) {
            throw new IllegalArgumentException("n: 1 to " + MAX_REPORTED + ", not " + n);
        }
        this.reported = n;
        this.tracked = n * TRACKED_PER_REPORTED;
        this.userOf = Objects.requireNonNull(userOf, "userOf");
    }

    /**
     * Its metrics, labelled {@code user}: {@link #relayedMetric()} and {@link #overcountMetric()}, for an exporter to
     * list beside {@link RelayMetrics#all()}.
     */
    public List<RelayMetric> metrics() {
        return List.of(relayedMetric, overcountMetric);
    }

    /**
     * {@link UserBytes#bytes()} of each reported user. Per-user usage is no part of
     * {@link io.turnrelay.api.RelayStats}, so this metric reads this summary when read, whatever snapshot it is given.
     */
    public RelayMetric relayedMetric() {
        return relayedMetric;
    }

    /** {@link UserBytes#maxOvercount()} of each reported user; read like {@link #relayedMetric()}. */
    public RelayMetric overcountMetric() {
        return overcountMetric;
    }

    /** How many users it reports at most. */
    public int size() {
        return reported;
    }

    @Override
    public void onEvent(RelayEvent event) {
        if (event instanceof RelayEvent.AllocationDeleted deleted) {
            AllocationUsage usage = deleted.usage();
            add(userOf.apply(deleted.username()), usage.bytesToPeer() + usage.bytesToClient());
        }
    }

    /** How many users it tracks now: at most {@link #TRACKED_PER_REPORTED} times {@link #size()}. */
    synchronized int trackedUsers() {
        return counters.size();
    }

    private synchronized void add(String user, long bytes) {
        Counter counter = counters.get(user);
        if (counter == null) {
            counter = new Counter();
            if (counters.size() >= tracked) {
                // Space-Saving: the newcomer inherits the smallest count, so no user's count is ever understated.
                Map.Entry<String, Counter> fewest = counters.entrySet().stream()
                        .min(Comparator.comparingLong(entry -> entry.getValue().bytes)).orElseThrow();
                counters.remove(fewest.getKey());
                counter.bytes = fewest.getValue().bytes;
                counter.maxOvercount = fewest.getValue().bytes;
            }
            counters.put(user, counter);
        }
        counter.bytes += bytes;
    }

    /** The users with the most bytes, most first (ties by name), at most {@link #size()} of them. */
    public synchronized List<UserBytes> top() {
        List<UserBytes> all = new ArrayList<>(counters.size());
        counters.forEach((user, counter) -> all.add(new UserBytes(user, counter.bytes, counter.maxOvercount)));
        all.sort(Comparator.comparingLong(UserBytes::bytes).reversed().thenComparing(UserBytes::user));
        return List.copyOf(all.subList(0, Math.min(reported, all.size())));
    }

    private static String withoutExpiry(String username) {
        int colon = username.indexOf(':');
        if (colon <= 0 || colon == username.length() - 1) {
            return username;
        }
        for (int i = 0; i < colon; i++) {
            char c = username.charAt(i);
            if (c < '0' || c > '9') {
                return username;
            }
        }
        return username.substring(colon + 1);
    }

    private static final class Counter {
        long bytes;
        long maxOvercount;
    }
}
