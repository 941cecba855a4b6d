/**
 * The sans-IO TURN server state machine: allocations, permissions, channels, authentication and policy.
 *
 * <p>{@link io.turnrelay.core.turn.TurnServer} is driven by one thread with datagrams, bind outcomes and
 * timeouts, each carrying the current monotonic time; it answers data-plane datagrams with a
 * {@link io.turnrelay.core.turn.RelayAction} plus the reused {@link io.turnrelay.core.turn.Forwarding},
 * and queues everything else as {@link io.turnrelay.core.turn.TurnCommand}s. Design choices:
 * <ul>
 *   <li>Relaying ChannelData allocates nothing: allocations are found by client address (a hash map keyed
 *       by the caller's address objects) or by relay port (an array), channels by a short array scan.</li>
 *   <li>Nonces hold no per-client state: an HMAC under a random per-server secret over the issue time and the
 *       client's transport address, carried in the nonce itself together with the RFC 8489 nonce cookie.</li>
 *   <li>Nothing is stored for a request before its MESSAGE-INTEGRITY verifies.</li>
 *   <li>Deadlines live in a priority queue with lazy deletion; a refresh only moves a field, and the stale
 *       entry is re-filed when it comes up, so each object has at most one live entry.</li>
 *   <li>Allocate completes asynchronously: relay sockets are bound by the driver, failed ports are retried
 *       on other free ports, and a retransmitted Allocate gets the stored response.</li>
 *   <li>Several servers on different threads can act as one relay by sharing an
 *       {@link io.turnrelay.core.turn.AllocationLedger} (relay ports, allocation limits, reservation tokens). It
 *       is guarded by one lock and touched only by control-plane events, never while relaying. Work one server
 *       has for another (deleting a user's allocation that a newer one replaces) is queued in the ledger and done
 *       by the other server on its own thread, once its driver's wake-up hook brings it there.</li>
 * </ul>
 */
@NullMarked
package io.turnrelay.core.turn;

import org.jspecify.annotations.NullMarked;
