package io.turnrelay.core.turn;

import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The sans-IO TURN server (RFC 8489, RFC 8656): a synchronous state machine that never does IO, never
 * starts a thread, never reads a clock and never uses a global random source. A driver feeds it
 * datagrams, bind outcomes and timeouts with the current monotonic time in nanoseconds, acts on the
 * returned {@link RelayAction} straight from its own buffer, and drains {@link #pollCommand()}.
 * Not thread-safe: one thread drives one instance. Nothing a client or peer sends makes it throw.
 */
public final class TurnServer {

    /** {@code random} supplies relay ports, nonce secrets and reservation tokens. */
    public TurnServer(TurnServerConfig config, RandomGenerator random) {
        throw new UnsupportedOperationException("server skeleton");
    }

    /**
     * A datagram from {@code client} on the listen port: {@code length} bytes of {@code buffer} at absolute
     * index {@code offset} (positions are not used or changed). STUN requests are answered through commands
     * ({@link RelayAction#HANDLED}); ChannelData and Send indications may give {@link RelayAction#FORWARD_TO_PEER}.
     */
    public RelayAction handleClientDatagram(ByteBuffer buffer, int offset, int length, InetSocketAddress client, long nowNanos) {
        throw new UnsupportedOperationException("server skeleton");
    }

    /**
     * A datagram from {@code peer} that arrived on relay port {@code relayPort}. Gives
     * {@link RelayAction#FORWARD_TO_CLIENT} when a channel is bound (the caller needs 4 bytes of headroom
     * before {@code offset}), {@link RelayAction#HANDLED} when it went out as a Data indication command,
     * or {@link RelayAction#DROP}.
     */
    public RelayAction handlePeerDatagram(ByteBuffer buffer, int offset, int length, InetSocketAddress peer, int relayPort, long nowNanos) {
        throw new UnsupportedOperationException("server skeleton");
    }

    /** Details of the last FORWARD_* action. */
    public Forwarding forwarding() { throw new UnsupportedOperationException("server skeleton"); }

    /** The relay socket asked for by a {@link TurnCommand.BindRelaySocket} is bound. */
    public void handleRelaySocketBound(int port, AddressFamily family, long nowNanos) {
        throw new UnsupportedOperationException("server skeleton");
    }

    /** The relay socket could not be bound (port taken): the server tries another port, or answers 508. */
    public void handleRelaySocketBindFailed(int port, AddressFamily family, long nowNanos) {
        throw new UnsupportedOperationException("server skeleton");
    }

    /** Expires whatever is due at {@code nowNanos}. */
    public void handleTimeout(long nowNanos) { throw new UnsupportedOperationException("server skeleton"); }

    /** The next deadline (monotonic nanoseconds) at which {@link #handleTimeout} has work, or {@link Long#MAX_VALUE}. */
    public long pollTimeout() { throw new UnsupportedOperationException("server skeleton"); }

    /** The next queued command, or null. */
    public @Nullable TurnCommand pollCommand() { throw new UnsupportedOperationException("server skeleton"); }

    /** Graceful shutdown, step 1: new Allocates are refused (508); existing allocations keep relaying. */
    public void stopAccepting() { throw new UnsupportedOperationException("server skeleton"); }

    /** Graceful shutdown, step 2: deletes every allocation, emitting close/deleted commands for each. */
    public void releaseAll(long nowNanos) { throw new UnsupportedOperationException("server skeleton"); }

    public TurnStats stats() { throw new UnsupportedOperationException("server skeleton"); }
}
