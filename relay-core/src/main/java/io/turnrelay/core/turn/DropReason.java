package io.turnrelay.core.turn;

/** Why a datagram was dropped without an answer; each has a counter in {@link TurnStats}. */
public enum DropReason {
    /** Neither STUN nor ChannelData (first byte), or empty. */
    NOT_TURN,
    /** Looked like STUN but did not decode. */
    MALFORMED_STUN,
    /** A response, or an indication other than Send, from a client. */
    UNEXPECTED_MESSAGE,
    /** ChannelData with a bad header, a length past the datagram, or a channel out of range. */
    MALFORMED_CHANNEL_DATA,
    /** ChannelData on a channel this client has not bound (or that expired). */
    NO_CHANNEL,
    /** Send indication or peer datagram without a live permission for the peer's IP. */
    NO_PERMISSION,
    /**
     * Send indication, ChannelData or peer datagram with no allocation behind it; or a request on a stream connection
     * that let its allocate timeout pass (it is being closed).
     */
    NO_ALLOCATION,
    /** Send indication to a peer the policy forbids. */
    FORBIDDEN_PEER,
    /** A Send indication without XOR-PEER-ADDRESS or DATA, or with a peer of the wrong family. */
    MALFORMED_SEND,
    /** Relayed data (either way) over its allocation's own limit: the user's or the server's default max-bps. */
    BANDWIDTH_LIMIT,
    /** Relayed data (either way) over the relay's total capacity (bps-capacity), or over the allocation's fair share of it. */
    RELAY_CAPACITY
}
