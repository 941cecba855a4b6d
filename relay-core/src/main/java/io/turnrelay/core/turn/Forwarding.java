package io.turnrelay.core.turn;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;

/**
 * The details of the last FORWARD_* {@link RelayAction}. One instance per server, overwritten by every
 * handle call, so relaying allocates nothing; read it before the next call. The addresses are the
 * server's own long-lived objects. Each action writes every field in one place ({@link #toPeer}, {@link #toClient}).
 */
public final class Forwarding {
    private static final InetSocketAddress NONE = InetSocketAddress.createUnresolved("none", 0);

    private int relayPort;
    private InetSocketAddress peer = NONE;
    private ClientLink client = new ClientLink(ClientTransport.UDP, NONE, NONE);
    private int channelNumber;
    private int payloadOffset;
    private int payloadLength;

    Forwarding() {}

    /** FORWARD_TO_PEER: the payload goes from {@code relayPort} to {@code peer}, for {@code client}'s allocation. */
    void toPeer(int relayPort, InetSocketAddress peer, ClientLink client, int payloadOffset, int payloadLength) {
        this.relayPort = relayPort;
        this.peer = peer;
        this.client = client;
        this.channelNumber = 0;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
    }

    /** FORWARD_TO_CLIENT: the payload from {@code peer} goes to {@code client} as ChannelData on {@code channelNumber}. */
    void toClient(ClientLink client, int channelNumber, int relayPort, InetSocketAddress peer, int payloadOffset, int payloadLength) {
        this.relayPort = relayPort;
        this.peer = peer;
        this.client = client;
        this.channelNumber = channelNumber;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
    }

    /** FORWARD_TO_PEER: the allocation's relay port to send from. */
    public int relayPort() { return relayPort; }

    /** FORWARD_TO_PEER: the destination. */
    public InetSocketAddress peer() { return peer; }

    /** FORWARD_TO_CLIENT: the destination (for FORWARD_TO_PEER, whose allocation it is). */
    public ClientLink client() { return client; }

    /** FORWARD_TO_CLIENT: the channel whose header goes in front of the payload. */
    public int channelNumber() { return channelNumber; }

    /** Absolute index of the payload in the buffer the caller passed in. */
    public int payloadOffset() { return payloadOffset; }

    public int payloadLength() { return payloadLength; }
}
