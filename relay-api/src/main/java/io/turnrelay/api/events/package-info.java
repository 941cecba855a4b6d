/**
 * What happens on a running relay, for the embedding application: allocations, permissions and channels as they
 * are created and deleted (with each allocation's usage), and failed authentications. Register a
 * {@link io.turnrelay.api.events.RelayEventListener} through {@link io.turnrelay.api.events.EventSettings} on
 * {@link io.turnrelay.api.RelayConfig.Builder#events}.
 */
@NullMarked
package io.turnrelay.api.events;

import org.jspecify.annotations.NullMarked;
