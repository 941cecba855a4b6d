package io.turnrelay.core.spi;

import io.turnrelay.api.ClientTransport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Transport} delivers to its driver. Called only on the transport's loop thread, one call at a time,
 * so the driver may touch its sans-IO server without locks.
 *
 * <p>Buffers belong to the transport and are reused for the next message: nothing may keep one or change its
 * position and limit, and replies that carry part of it go out through the transport during the call.
 *
 * <p>A stream connection goes through {@link #onConnectionAccepted} (refused: nothing follows), then
 * {@link #onClientConnected} once it is known to be a client link (at accept, or after TLS detection), then its
 * messages, and ends with exactly one {@link #onConnectionClosed}.
 */
public interface RelaySink {

    /**
     * Exactly one STUN message or ChannelData frame ({@code length} bytes at absolute index {@code offset}) from
     * {@code client}: a whole datagram, or a frame a stream transport cut with
     * {@link io.turnrelay.core.stun.StreamFraming} (a ChannelData frame may then include its padding).
     */
    void onClientMessage(ClientLink client, ByteBuffer buffer, int offset, int length, long nowNanos);

    /** A datagram from {@code peer} on the relay socket bound to {@code relayPort}. */
    void onPeerDatagram(int relayPort, InetSocketAddress peer, ByteBuffer buffer, int offset, int length, long nowNanos);

    /**
     * A TCP connection from {@code remote} was accepted on a listener of {@code transport} (TCP for a listener that
     * detects TLS). False refuses it: the transport closes it at once and reports nothing more about it.
     */
    boolean onConnectionAccepted(ClientTransport transport, InetSocketAddress remote, long nowNanos);

    /** An accepted connection is the client link {@code client} from now on. */
    void onClientConnected(ClientLink client, long nowNanos);

    /**
     * An accepted connection is closed, by either side, for {@code reason}: {@code client} is its link, or null when
     * it ended before it became one (e.g. while its first byte was awaited). Called once per accepted connection;
     * after it the transport sends nothing more on the link.
     */
    void onConnectionClosed(@Nullable ClientLink client, ClientTransport transport, InetSocketAddress remote, CloseReason reason, long nowNanos);

    /** The deadline the transport last asked for with {@link #nextDeadlineNanos()} has passed. */
    void onTimeout(long nowNanos);

    /** Asked before the loop waits: the monotonic time of the next timeout, or {@link Long#MAX_VALUE}. */
    long nextDeadlineNanos();
}
