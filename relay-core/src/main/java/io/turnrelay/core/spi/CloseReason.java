package io.turnrelay.core.spi;

import java.util.Locale;

/** Why a TCP or TLS client connection ended; each has a counter per client transport on the relay's metrics. */
public enum CloseReason {
    /** The client closed it (FIN). */
    CLIENT_CLOSED,
    /** A reset or another socket error. */
    RESET,
    /** The TLS handshake or a TLS record failed (bad ClientHello, no common version, renegotiation, ...). */
    TLS_FAILURE,
    /** The TLS handshake did not finish within its timeout. */
    TLS_HANDSHAKE_TIMEOUT,
    /** No allocation within the allocate timeout of connecting, or of its last allocation ending. */
    NO_ALLOCATION,
    /** An incomplete message sat in the receive buffer for the partial-frame timeout (slowloris). */
    PARTIAL_FRAME_TIMEOUT,
    /** The client did not read what was queued for it within the send-stall timeout. */
    SEND_STALLED,
    /** A response did not fit into the send queue: dropping it would break the client's transaction. */
    SEND_QUEUE_FULL,
    /** Bytes that are neither STUN nor ChannelData, a STUN header without the magic cookie, or an impossible length. */
    INVALID_FRAME,
    /** Refused at accept: the client's IP address holds the most connections allowed per IP. */
    PER_IP_LIMIT,
    /** Refused at accept: the relay holds the most connections allowed. */
    CONNECTION_LIMIT,
    /** The relay is shutting down. */
    SHUTDOWN;

    /** The metrics label, e.g. {@code partial_frame_timeout}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
