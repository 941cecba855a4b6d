package io.turnrelay.core.turn;

import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;

/** The control-plane outputs of a {@link TurnServer}, drained with {@link TurnServer#pollCommand()} in order. */
public sealed interface TurnCommand {

    /** Send {@code message} from the listen socket of the client's family to {@code client}. */
    record SendToClient(InetSocketAddress client, byte[] message) implements TurnCommand {}

    /** Bind a UDP socket on relay {@code port} for {@code family}, then report with handleRelaySocketBound/BindFailed. */
    record BindRelaySocket(int port, AddressFamily family) implements TurnCommand {}

    /** Close the relay socket on {@code port} for {@code family}. */
    record CloseRelaySocket(int port, AddressFamily family) implements TurnCommand {}

    /** Informational: an allocation exists now (its sockets are bound and the success response is queued). */
    record AllocationCreated(InetSocketAddress client, String username, int port, long expiresAtNanos) implements TurnCommand {}

    /** Informational: an allocation is gone (expired, refreshed to 0, replaced, or released). */
    record AllocationDeleted(InetSocketAddress client, int port) implements TurnCommand {}

    /** Informational: a channel is bound (or re-bound) and relays both ways. */
    record ChannelBound(InetSocketAddress client, int channelNumber, InetSocketAddress peer, int port) implements TurnCommand {}

    /** Informational: a channel stopped relaying (expired or its allocation was deleted). */
    record ChannelUnbound(InetSocketAddress client, int channelNumber, InetSocketAddress peer, int port) implements TurnCommand {}
}
