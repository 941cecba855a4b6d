/** The sans-IO TURN server state machine: allocations, permissions, channels, authentication and policy. */
@NullMarked
package io.turnrelay.core.turn;

import org.jspecify.annotations.NullMarked;
