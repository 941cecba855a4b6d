package io.turnrelay.core.relay;

import io.turnrelay.api.events.FiveTuple;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.turn.TurnCommand;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Turns a shard's informational commands into {@link RelayEvent}s stamped with the relay's clock, on the shard's
 * loop thread, and hands them to the {@link EventDispatcher} (which never blocks). Commands that are no event are
 * ignored.
 */
final class EventPublisher implements RelayEventListener {
    private final String realm;
    private final Clock clock;
    private final EventDispatcher dispatcher;

    EventPublisher(String realm, Clock clock, EventDispatcher dispatcher) {
        this.realm = realm;
        this.clock = clock;
        this.dispatcher = dispatcher;
    }

    @Override
    public void onEvent(TurnCommand command) {
        RelayEvent event = toEvent(command, clock.instant(), realm);
        if (event != null) {
            dispatcher.offer(event);
        }
    }

    /** The event {@code command} tells of, or null when it is none. */
    static @Nullable RelayEvent toEvent(TurnCommand command, Instant time, String realm) {
        if (command instanceof TurnCommand.AllocationCreated created) {
            return new RelayEvent.AllocationCreated(time, tuple(created.client()), created.username(), realm, created.relayedAddresses(),
                    Duration.ofSeconds(created.lifetimeSeconds()));
        } else if (command instanceof TurnCommand.AllocationRefreshed refreshed) {
            return new RelayEvent.AllocationRefreshed(time, tuple(refreshed.client()), refreshed.username(),
                    Duration.ofSeconds(refreshed.lifetimeSeconds()));
        } else if (command instanceof TurnCommand.AllocationDeleted deleted) {
            return new RelayEvent.AllocationDeleted(time, tuple(deleted.client()), deleted.username(), realm, deleted.relayedAddresses(),
                    deleted.reason(), deleted.usage());
        } else if (command instanceof TurnCommand.PermissionCreated created) {
            return new RelayEvent.PermissionCreated(time, tuple(created.client()), created.peer());
        } else if (command instanceof TurnCommand.PermissionDeleted deleted) {
            return new RelayEvent.PermissionDeleted(time, tuple(deleted.client()), deleted.peer());
        } else if (command instanceof TurnCommand.ChannelBound bound) {
            return new RelayEvent.ChannelCreated(time, tuple(bound.client()), bound.channelNumber(), bound.peer());
        } else if (command instanceof TurnCommand.ChannelUnbound unbound) {
            return new RelayEvent.ChannelDeleted(time, tuple(unbound.client()), unbound.channelNumber(), unbound.peer());
        } else if (command instanceof TurnCommand.AuthenticationFailed failed) {
            return new RelayEvent.AuthenticationFailed(time, tuple(failed.client()), failed.username(), realm, failed.reason());
        }
        return null;
    }

    private static FiveTuple tuple(ClientLink link) {
        return new FiveTuple(link.transport(), link.remote(), link.local());
    }
}
