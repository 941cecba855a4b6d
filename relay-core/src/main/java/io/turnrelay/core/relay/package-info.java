/**
 * The relay runtime: {@link io.turnrelay.core.relay.ShardedRelay} (the {@link io.turnrelay.api.Relay} that
 * {@link io.turnrelay.api.Relay#create} returns) runs one {@link io.turnrelay.core.turn.TurnServer} per worker, each
 * driven by a {@link io.turnrelay.core.relay.RelayLoop} on a {@link io.turnrelay.core.spi.Transport} chosen through
 * {@link io.turnrelay.core.relay.TransportProviders}.
 */
@NullMarked
package io.turnrelay.core.relay;

import org.jspecify.annotations.NullMarked;
