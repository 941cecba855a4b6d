package io.turnrelay.core.relay;

import io.turnrelay.core.turn.TurnCommand;

/**
 * Observes the informational commands of a shard's server (allocations, permissions and channels created and
 * deleted, failed authentications), on the shard's loop thread: it must return quickly and must not block. The
 * public, off-thread form of these is {@link io.turnrelay.api.events.RelayEventListener}, fed through this one.
 */
@FunctionalInterface
public interface RelayEventListener {
    void onEvent(TurnCommand event);
}
