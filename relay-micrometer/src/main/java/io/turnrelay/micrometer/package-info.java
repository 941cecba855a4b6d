/** Micrometer metrics for an embedded turnrelay {@link io.turnrelay.api.Relay}: see {@link io.turnrelay.micrometer.TurnRelayMetrics}. */
@NullMarked
package io.turnrelay.micrometer;

import org.jspecify.annotations.NullMarked;
