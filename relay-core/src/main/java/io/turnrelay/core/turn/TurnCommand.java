package io.turnrelay.core.turn;

import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.AuthenticationFailure;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

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

    /**
     * Informational: an allocation exists now (its sockets are bound and the success response is queued), with its
     * relayed addresses as XOR-RELAYED-ADDRESS announces them.
     */
    record AllocationCreated(ClientLink client, String username, int port, long expiresAtNanos, List<InetSocketAddress> relayedAddresses,
            long lifetimeSeconds) implements TurnCommand {}

    /** Informational: a Refresh (LIFETIME above 0) extended an allocation by {@code lifetimeSeconds} from now. */
    record AllocationRefreshed(ClientLink client, String username, int port, long lifetimeSeconds) implements TurnCommand {}

    /**
     * Informational: an allocation is gone, after its permissions and channels, with why and what it relayed; its
     * relayed addresses are those it still had.
     */
    record AllocationDeleted(ClientLink client, int port, String username, List<InetSocketAddress> relayedAddresses, DeleteReason reason,
            AllocationUsage usage) implements TurnCommand {}

    /** Informational: a permission for {@code peer} is installed (not sent when one is refreshed). */
    record PermissionCreated(ClientLink client, int port, InetAddress peer) implements TurnCommand {}

    /** Informational: a permission is gone (expired, or with its allocation or its family's relayed address). */
    record PermissionDeleted(ClientLink client, int port, InetAddress peer) implements TurnCommand {}

    /**
     * Informational: a request with credentials was refused as {@code reason} says; {@code username} as presented,
     * null for an unknown USERHASH.
     */
    record AuthenticationFailed(ClientLink client, @Nullable String username, AuthenticationFailure reason) implements TurnCommand {}

    /**
     * A channel starts relaying both ways (not sent when a bound channel is refreshed); queued before the ChannelBind's
     * success response. {@code rateLimited}: a bandwidth limit meters its allocation, so only the server may relay it.
     */
    record ChannelBound(ClientLink client, int channelNumber, InetSocketAddress peer, int port, boolean rateLimited) implements TurnCommand {}

    /**
     * A channel stopped relaying (expired, or its allocation or its family's relayed address was deleted); queued
     * before any response or command that follows from the same event.
     */
    record ChannelUnbound(ClientLink client, int channelNumber, InetSocketAddress peer, int port) implements TurnCommand {}

    /**
     * The server is draining and holds no allocation any more: the last one ended by itself, or the drain deadline
     * deleted the rest. Emitted once per server, after {@link TurnServer#handleDrain}.
     */
    record Drained() implements TurnCommand {}
}
