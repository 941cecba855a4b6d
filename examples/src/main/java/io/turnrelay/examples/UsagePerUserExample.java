package io.turnrelay.examples;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Example 5: usage per user from the relay's events, as a billing or quota system would collect it. Every deleted
 * allocation brings what it relayed; the listener adds it to its user's total and prints the running totals. Run it,
 * allocate as {@code alice}/{@code wonderland} or {@code bob}/{@code builder}, and watch the lines.
 */
public final class UsagePerUserExample {
    private UsagePerUserExample() {}

    /** One user's totals over the allocations that ended. */
    public record UserTotals(long allocations, long bytesToPeers, long bytesToClients, Duration time) {
        static final UserTotals NONE = new UserTotals(0, 0, 0, Duration.ZERO);

        UserTotals plus(AllocationUsage usage) {
            return new UserTotals(allocations + 1, bytesToPeers + usage.bytesToPeer(), bytesToClients + usage.bytesToClient(),
                    time.plus(usage.duration()));
        }
    }

    /** Sums usage by user; called on the relay's event thread, read from any thread. */
    public static final class UsageByUser implements RelayEventListener {
        private final Map<String, UserTotals> totals = new ConcurrentHashMap<>();
        private volatile boolean print;

        @Override
        public void onEvent(RelayEvent event) {
            if (event instanceof RelayEvent.AllocationDeleted deleted) {
                UserTotals now = totals.merge(deleted.username(), UserTotals.NONE.plus(deleted.usage()), (old, one) -> old.plus(deleted.usage()));
                if (print) {
                    System.out.println(deleted.username() + ": " + now + " (last one " + deleted.reason().label() + ")");
                }
            } else if (event instanceof RelayEvent.EventsDropped dropped && print) {
                System.out.println("lost " + dropped.count() + " events: the totals are short");
            }
        }

        /** Every user's totals so far, by name. */
        public Map<String, UserTotals> totals() {
            return new TreeMap<>(totals);
        }
    }

    /**
     * Starts a relay on loopback whose events go to {@code usage}; {@code peers} is {@link PeerAddressPolicy#defaults()}
     * in production (a test relaying to peers on loopback allows loopback).
     */
    public static Relay start(UsageByUser usage, PeerAddressPolicy peers, int listenPort, int lowestRelayPort, int highestRelayPort)
            throws RelayStartException {
        RelayConfig config = RelayConfig.builder()
                .bindIpv4(InetAddress.getLoopbackAddress())
                .listenPort(listenPort)
                .portRange(lowestRelayPort, highestRelayPort)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "wonderland", "bob", "builder")))
                .peerPolicy(peers)
                .events(EventSettings.to(usage))
                .build();
        Relay relay = Relay.create(config);
        relay.start();
        return relay;
    }

    public static void main(String[] args) throws Exception {
        UsageByUser usage = new UsageByUser();
        usage.print = true;
        Relay relay = start(usage, PeerAddressPolicy.defaults(), 3478, 49152, 49252);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close(); // the allocations it deletes are counted too
            System.out.println("totals: " + usage.totals());
            stopped.countDown();
        }));
        System.out.println("Relay listening on " + relay.listenAddresses() + "; usage per user prints as allocations end; Ctrl-C stops it");
        stopped.await();
    }
}
