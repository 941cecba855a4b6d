package io.turnrelay.core.turn;

import java.net.InetSocketAddress;

/**
 * The details of the last FORWARD_* {@link RelayAction}. One instance per server, overwritten by every
 * handle call, so relaying allocates nothing; read it before the next call. The addresses are the
 * server's own long-lived objects.
 */
public final class Forwarding {
    int relayPort;
    InetSocketAddress peer;
    InetSocketAddress client;
    int channelNumber;
    int payloadOffset;
    int payloadLength;
    boolean dontFragment;

    Forwarding() {
        InetSocketAddress none = InetSocketAddress.createUnresolved("none", 0);
        this.peer = none;
        this.client = none;
    }

    /** FORWARD_TO_PEER: the allocation's relay port to send from. */
    public int relayPort() { return relayPort; }

    /** FORWARD_TO_PEER: the destination. */
    public InetSocketAddress peer() { return peer; }

    /** FORWARD_TO_CLIENT: the destination. */
    public InetSocketAddress client() { return client; }

    /** FORWARD_TO_CLIENT: the channel whose header goes in front of the payload. */
    public int channelNumber() { return channelNumber; }

    /** Absolute index of the payload in the buffer the caller passed in. */
    public int payloadOffset() { return payloadOffset; }

    public int payloadLength() { return payloadLength; }

    /** FORWARD_TO_PEER from a Send indication that carried DONT-FRAGMENT: set DF on the packet if the transport can. */
    public boolean dontFragment() { return dontFragment; }
}
