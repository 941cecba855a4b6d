package io.turnrelay.api.offload;

import java.net.InetSocketAddress;

/**
 * One bound channel of a UDP client, as a fast path needs it.
 *
 * @param client the client's address (its source of ChannelData)
 * @param listener the relay's listening address the client sends to (its port is what ChannelData arrives on; the
 *     address may be the wildcard)
 * @param channelNumber the channel number, 0x4000 and up
 * @param peer the peer the channel is bound to
 * @param relayPort the allocation's relay port (the peer's datagrams arrive on it, relayed data leaves from it)
 */
public record OffloadedChannel(InetSocketAddress client, InetSocketAddress listener, int channelNumber, InetSocketAddress peer, int relayPort) {}
