package io.turnrelay.core.turn;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.TransactionId;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One client's allocation: relay port (per family), lifetime, owner, permissions and channels. */
final class Allocation extends Timed {
    final InetSocketAddress client;
    final String username;
    final int port;
    final boolean ipv4;
    final boolean ipv6;
    /** The Allocate that created it and its success response, re-sent on retransmission. */
    final TransactionId allocateTransaction;
    final byte[] allocateResponse;
    long expiresAt;

    final Map<InetAddress, Permission> permissions = new HashMap<>();
    final Map<InetSocketAddress, Channel> channelsByPeer = new HashMap<>();
    // Channels by number: a short array scanned by index, so ChannelData lookups box nothing.
    Channel[] channels = new Channel[4];
    int channelCount;

    Allocation(InetSocketAddress client, String username, int port, boolean ipv4, boolean ipv6,
            TransactionId allocateTransaction, byte[] allocateResponse, long expiresAt) {
        this.client = client;
        this.username = username;
        this.port = port;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.allocateTransaction = allocateTransaction;
        this.allocateResponse = allocateResponse;
        this.expiresAt = expiresAt;
    }

    boolean hasFamily(AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4 : ipv6;
    }

    /** Whether this allocation has a relay socket of the peer's family. */
    boolean canRelayTo(InetAddress peer) {
        return peer instanceof Inet4Address ? ipv4 : ipv6;
    }

    @Nullable Channel channel(int number) {
        Channel[] all = channels;
        for (int i = 0; i < channelCount; i++) {
            Channel c = all[i];
            if (c.number == number) {
                return c;
            }
        }
        return null;
    }

    void addChannel(Channel channel) {
        if (channelCount == channels.length) {
            Channel[] bigger = new Channel[channels.length * 2];
            System.arraycopy(channels, 0, bigger, 0, channelCount);
            channels = bigger;
        }
        channels[channelCount++] = channel;
        channelsByPeer.put(channel.peer, channel);
    }

    void removeChannel(Channel channel) {
        for (int i = 0; i < channelCount; i++) {
            if (channels[i] == channel) {
                channels[i] = channels[--channelCount];
                channels[channelCount] = null;
                break;
            }
        }
        channelsByPeer.remove(channel.peer, channel);
    }

    @Override
    long deadline() {
        return expiresAt;
    }
}
