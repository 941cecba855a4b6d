package io.turnrelay.api.events;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Something that happened on a relay, as an immutable value. {@link #time()} is when the relay's worker handled it,
 * read from {@link io.turnrelay.api.RelayConfig#clock()}. Every event about an allocation names it by its client's
 * {@link FiveTuple} (the allocation events also by its user). Passwords, keys and message integrity never appear in an event.
 */
public sealed interface RelayEvent {

    /** When it happened, by the relay's clock. */
    Instant time();

    /**
     * An allocation exists: its relay sockets are bound and the success response is on its way.
     *
     * @param relayedAddresses as XOR-RELAYED-ADDRESS announces them, one per address family
     * @param lifetime as granted
     */
    record AllocationCreated(Instant time, FiveTuple client, String username, String realm, List<InetSocketAddress> relayedAddresses,
            Duration lifetime) implements RelayEvent {
        public AllocationCreated {
            relayedAddresses = List.copyOf(relayedAddresses);
        }
    }

    /** A Refresh extended an allocation: it lives {@code lifetime} from {@code time} on. A Refresh to 0 is a deletion. */
    record AllocationRefreshed(Instant time, FiveTuple client, String username, Duration lifetime) implements RelayEvent {}

    /**
     * An allocation is gone, with what it relayed. Its permissions and channels were deleted just before (each with
     * its own event).
     */
    record AllocationDeleted(Instant time, FiveTuple client, String username, String realm, List<InetSocketAddress> relayedAddresses,
            DeleteReason reason, AllocationUsage usage) implements RelayEvent {
        public AllocationDeleted {
            relayedAddresses = List.copyOf(relayedAddresses);
        }
    }

    /** A permission for {@code peer} was installed (CreatePermission or ChannelBind); refreshing it is no event. */
    record PermissionCreated(Instant time, FiveTuple client, InetAddress peer) implements RelayEvent {}

    /** A permission expired, or went with its allocation (or its address family's relayed address). */
    record PermissionDeleted(Instant time, FiveTuple client, InetAddress peer) implements RelayEvent {}

    /** A channel to {@code peer} started relaying (ChannelBind); refreshing it is no event. */
    record ChannelCreated(Instant time, FiveTuple client, int channelNumber, InetSocketAddress peer) implements RelayEvent {}

    /** A channel stopped relaying: it expired, or went with its allocation. */
    record ChannelDeleted(Instant time, FiveTuple client, int channelNumber, InetSocketAddress peer) implements RelayEvent {}

    /**
     * A request with credentials was refused (401, or 441 for {@link AuthenticationFailure#ALLOCATION_OF_ANOTHER_USER}).
     *
     * @param username as the client presented it (untrusted input), null when it sent a USERHASH nobody knows
     */
    record AuthenticationFailed(Instant time, FiveTuple client, @Nullable String username, String realm, AuthenticationFailure reason)
            implements RelayEvent {}

    /**
     * {@code count} events were dropped since the previous such notice (or the start) because the queue to the
     * listeners was full: a listener was too slow. It comes before the first event delivered after the drops;
     * {@link io.turnrelay.api.RelayStats#eventsDropped()} counts them all.
     */
    record EventsDropped(Instant time, long count) implements RelayEvent {}
}
