package io.turnrelay.cli;

import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import io.turnrelay.api.metrics.TopUsers;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one INFO line per deleted allocation to the logger {@code io.turnrelay.usage}, like coturn's {@code usage:}
 * lines, so operators can bill and audit from the logs: who, from where, for how long, why it ended and what it
 * relayed. The text is {@code key=value} pairs; in the JSON format the same pairs are also the event's key-value
 * list. Lost events (a full event queue) are warned about at most once every {@link #WARN_PERIOD_SECONDS}.
 */
final class UsageLog implements RelayEventListener {
    static final long WARN_PERIOD_SECONDS = 10;
    private static final Logger USAGE = LoggerFactory.getLogger("io.turnrelay.usage");
    private static final Logger LOG = LoggerFactory.getLogger(UsageLog.class);

    private final LongSupplier nanoClock;
    /** Events lost since the last warning, and when that was; the event thread's own. */
    private long unwarned;
    private long lastWarnNanos;
    private boolean warnedOnce;

    UsageLog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * The relay-cli's events: this log, then {@code topUsers} when not null, on a thread named {@code relay-events}
     * whose listener failures are logged.
     */
    static EventSettings settings(@Nullable TopUsers topUsers) {
        UsageLog log = new UsageLog(System::nanoTime);
        EventSettings listeners = topUsers == null ? EventSettings.to(log) : EventSettings.to(log, topUsers);
        return listeners.withThreadFactory(task -> {
            Thread thread = new Thread(task, "relay-events");
            thread.setUncaughtExceptionHandler((t, failure) -> LOG.warn("An event listener failed; it stays registered", failure));
            return thread;
        });
    }

    @Override
    public void onEvent(RelayEvent event) {
        if (event instanceof RelayEvent.AllocationDeleted deleted) {
            List<String[]> pairs = pairs(deleted);
            var line = USAGE.atInfo();
            for (String[] pair : pairs) {
                line = line.addKeyValue(pair[0], pair[1]);
            }
            line.log(text(pairs));
        } else if (event instanceof RelayEvent.EventsDropped dropped) {
            unwarned += dropped.count();
            long now = nanoClock.getAsLong();
            if (!warnedOnce || now - lastWarnNanos >= TimeUnit.SECONDS.toNanos(WARN_PERIOD_SECONDS)) {
                LOG.warn("{} relay events were lost because the event queue was full: usage lines are missing"
                        + " (turnrelay_events_dropped_total counts them all)", unwarned);
                unwarned = 0;
                lastWarnNanos = now;
                warnedOnce = true;
            }
        }
    }

    /** The usage line's text: {@code usage: user=alice realm=... reason=expired ...}. */
    static String text(RelayEvent.AllocationDeleted deleted) {
        return text(pairs(deleted));
    }

    private static String text(List<String[]> pairs) {
        StringBuilder text = new StringBuilder(256).append("usage:");
        for (String[] pair : pairs) {
            text.append(' ').append(pair[0]).append('=').append(quotedIfNeeded(pair[1]));
        }
        return text.toString();
    }

    private static List<String[]> pairs(RelayEvent.AllocationDeleted deleted) {
        AllocationUsage usage = deleted.usage();
        return List.of(
                pair("user", deleted.username()),
                pair("realm", deleted.realm()),
                pair("transport", deleted.client().transport().label()),
                pair("client", address(deleted.client().client())),
                pair("relayed", String.join(",", deleted.relayedAddresses().stream().map(UsageLog::address).toList())),
                pair("reason", deleted.reason().label()),
                pair("duration_ms", Long.toString(usage.duration().toMillis())),
                pair("packets_to_peer", Long.toString(usage.packetsToPeer())),
                pair("bytes_to_peer", Long.toString(usage.bytesToPeer())),
                pair("packets_to_client", Long.toString(usage.packetsToClient())),
                pair("bytes_to_client", Long.toString(usage.bytesToClient())));
    }

    private static String[] pair(String key, String value) {
        return new String[] {key, value};
    }

    private static String address(InetSocketAddress address) {
        String host = address.getAddress() instanceof Inet6Address ip ? "[" + ip.getHostAddress() + "]"
                : address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return host + ":" + address.getPort();
    }

    /** Usernames come from clients (TURN REST ones have a colon, others anything): quote what would break key=value parsing. */
    static String quotedIfNeeded(String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 0x7F;
        }
        if (plain) {
            return value;
        }
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < ' ' || c == 0x7F) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
