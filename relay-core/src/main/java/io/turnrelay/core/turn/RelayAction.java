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
     * Write a ChannelData header for {@link Forwarding#channelNumber()} into the 4 bytes in front of the
     * payload ({@code ChannelData.writeHeader(buffer, payloadOffset - 4, channel, payloadLength)}) and send
     * {@code payloadOffset - 4 .. payloadOffset + payloadLength} from the listen socket to {@link Forwarding#client()}.
     */
    FORWARD_TO_CLIENT,
    /** The datagram was a control message; its effects (responses, bindings) are in {@link TurnServer#pollCommand()}. */
    HANDLED
}
