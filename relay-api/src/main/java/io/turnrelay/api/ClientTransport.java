package io.turnrelay.api;

import java.util.Locale;

/**
 * How a client reaches the relay: the transport of its 5-tuple (RFC 8656 §2). The relay leg towards peers is
 * UDP whichever the client uses (REQUESTED-TRANSPORT 17).
 */
public enum ClientTransport {
    UDP,
    /** TURN over a TCP connection: STUN and ChannelData framed by their own lengths, ChannelData padded. */
    TCP,
    /** TURN over TLS over TCP ({@code turns:}), framed as over TCP. */
    TLS;

    /** The lower-case name used in metrics labels and logs: {@code udp}, {@code tcp}, {@code tls}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether messages arrive on a byte stream (TCP or TLS) rather than as datagrams. */
    public boolean isStream() {
        return this != UDP;
    }
}
