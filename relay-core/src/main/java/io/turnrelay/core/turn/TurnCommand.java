package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;

/** The control-plane outputs of a {@link TurnServer}, drained with {@link TurnServer#pollCommand()} in order. */
public sealed interface TurnCommand {

    /** Send {@code message}, a response the client waits for, to {@code client} (on a stream: never dropped). */
    record SendToClient(ClientLink client, byte[] message) implements TurnCommand {}

    /** Send {@code message}, a Data indication carrying relayed data, to {@code client}; dropped when it does not fit. */
    record RelayToClient(ClientLink client, byte[] message) implements TurnCommand {}

    /** Close the stream connection of {@code client}: it held no allocation within the allocate timeout. */
    record CloseClient(ClientLink client) implements TurnCommand {}

    /**
     * Wake {@code server}, another server sharing this one's {@link AllocationLedger}: it has work queued there (with
     * one allocation per username, a user's newer allocation here replaces the user's allocations there), to be
     * done by its {@link TurnServer#handleLedgerWork} on its own thread. The driver must not touch it from here.
     */
    record WakeServer(TurnServer server) implements TurnCommand {}

    /** Bind a UDP socket on relay {@code port} for {@code family}, then report with handleRelaySocketBound/BindFailed. */
    record BindRelaySocket(int port, AddressFamily family) implements TurnCommand {}

    /** Close the relay socket on {@code port} for {@code family}. */
    record CloseRelaySocket(int port, AddressFamily family) implements TurnCommand {}

    /** Informational: an allocation exists now (its sockets are bound and the success response is queued). */
    record AllocationCreated(ClientLink client, String username, int port, long expiresAtNanos) implements TurnCommand {}

    /** Informational: an allocation is gone (expired, refreshed to 0, replaced, its connection closed, drained, or released). */
    record AllocationDeleted(ClientLink client, int port) implements TurnCommand {}

    /** Informational: a channel is bound (or re-bound) and relays both ways. */
    record ChannelBound(ClientLink client, int channelNumber, InetSocketAddress peer, int port) implements TurnCommand {}

    /** Informational: a channel stopped relaying (expired or its allocation was deleted). */
    record ChannelUnbound(ClientLink client, int channelNumber, InetSocketAddress peer, int port) implements TurnCommand {}

    /**
     * The server is draining and holds no allocation any more: the last one ended by itself, or the drain deadline
     * deleted the rest. Emitted once per server, after {@link TurnServer#handleDrain}.
     */
    record Drained() implements TurnCommand {}
}
