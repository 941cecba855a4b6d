package io.turnrelay.core.turn;

/** What the caller does with a datagram it just handed to the {@link TurnServer}. */
public enum RelayAction {
    /** Nothing to send for this datagram (it was dropped, or it was relayed nowhere). */
    DROP,
    /**
     * Send the bytes {@link Forwarding#payloadOffset()} .. + {@link Forwarding#payloadLength()} of the same
     * buffer from relay port {@link Forwarding#relayPort()} (socket of the peer's family) to {@link Forwarding#peer()}.
     */
    FORWARD_TO_PEER,
    /**
     * Send the payload ({@link Forwarding#payloadOffset()} .. + {@link Forwarding#payloadLength()}) to the client link
     * {@link Forwarding#client()} as a ChannelData frame for {@link Forwarding#channelNumber()}; how the 4-byte
     * header (and on streams the padding) goes around it without copying the payload is the transport's business.
     */
    FORWARD_TO_CLIENT,
    /** The datagram was a control message; its effects (responses, bindings) are in {@link TurnServer#pollCommand()}. */
    HANDLED
}
