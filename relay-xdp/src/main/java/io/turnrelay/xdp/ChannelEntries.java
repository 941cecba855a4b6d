package io.turnrelay.xdp;

import io.turnrelay.api.offload.OffloadedChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * One channel as the program's two table entries (turn_xdp.h): the client key with the peer key as its value, and
 * the other way round. Addresses, ports and channel numbers in network order, as the program compares them.
 */
record ChannelEntries(int toPeerTable, int toClientTable, byte[] clientKey, byte[] peerKey) {

    /** The entries of {@code channel}, or null when the program cannot relay it (client and peer of different families). */
    static @Nullable ChannelEntries of(OffloadedChannel channel) {
        InetAddress client = channel.client().getAddress();
        InetAddress peer = channel.peer().getAddress();
        if (client instanceof Inet4Address && peer instanceof Inet4Address) {
            return new ChannelEntries(NativeXdp.TO_PEER_V4, NativeXdp.TO_CLIENT_V4, clientKey(channel, 12), peerKey(channel, 8));
        }
        if (client instanceof Inet6Address && peer instanceof Inet6Address) {
            return new ChannelEntries(NativeXdp.TO_PEER_V6, NativeXdp.TO_CLIENT_V6, clientKey(channel, 24), peerKey(channel, 20));
        }
        return null;
    }

    private static byte[] clientKey(OffloadedChannel channel, int length) {
        ByteBuffer key = ByteBuffer.allocate(length);
        key.put(channel.client().getAddress().getAddress());
        key.putShort((short) channel.client().getPort());
        key.putShort((short) channel.listener().getPort());
        key.putShort((short) channel.channelNumber());
        return key.array(); // the last two bytes stay zero: the struct's padding
    }

    private static byte[] peerKey(OffloadedChannel channel, int length) {
        ByteBuffer key = ByteBuffer.allocate(length);
        key.put(address(channel.peer()));
        key.putShort((short) channel.peer().getPort());
        key.putShort((short) channel.relayPort());
        return key.array();
    }

    private static byte[] address(InetSocketAddress address) {
        return address.getAddress().getAddress();
    }
}
