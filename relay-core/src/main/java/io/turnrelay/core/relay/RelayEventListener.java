package io.turnrelay.core.relay;

import io.turnrelay.core.turn.TurnCommand;

/**
 * Observes the informational commands of a shard's server (allocation and channel created/deleted), on
 * the shard's loop thread: it must return quickly and must not block.
 */
@FunctionalInterface
public interface RelayEventListener {
    void onEvent(TurnCommand event);
}
