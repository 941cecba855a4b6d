package io.turnrelay.core.turn;

import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.TransactionId;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One client's allocation: relay port, relayed address families, lifetimes, owner, permissions and channels.
 * A dual allocation (IPv4 and IPv6) has a lifetime per family: a Refresh with REQUESTED-ADDRESS-FAMILY
 * (RFC 8656 §7) refreshes or deletes one family's relayed address and leaves the other alone.
 */
final class Allocation extends Timed {
    final ClientLink client;
    final String username;
    final int port;
    /** Which relayed addresses it still has; at least one while it exists. */
    boolean ipv4;
    boolean ipv6;
    /** The Allocate that created it and its success response, re-sent on retransmission. */
    final TransactionId allocateTransaction;
    final byte[] allocateResponse;
    /** Its place in the ledger's order of establishment (one-per-username mode): replacements spare newer ones. */
    final long ledgerSequence;
    /** When it was established (monotonic nanoseconds): its usage's duration, and its lifetime in the stats when it ends. */
    final long createdAt;
    /** The latest expiry of its families: until then the allocation exists (the data plane checks only this). */
    long expiresAt;
    private long ipv4ExpiresAt;
    private long ipv6ExpiresAt;
    // Usage: plain fields, written only by the server's thread on the relay path (no allocation, no lock).
    private long packetsToPeer;
    private long bytesToPeer;
    private long packetsToClient;
    private long bytesToClient;

    final Map<InetAddress, Permission> permissions = new HashMap<>();
    final Map<InetSocketAddress, Channel> channelsByPeer = new HashMap<>();
    // Channels by number: a short array scanned by index, so ChannelData lookups box nothing.
    Channel[] channels = new Channel[4];
    int channelCount;
    /** Its bandwidth limits each way; null when none applies (see {@link #limitBandwidth}). */
    @Nullable FlowBudget toPeerBudget;
    @Nullable FlowBudget toClientBudget;

    Allocation(ClientLink client, String username, int port, boolean ipv4, boolean ipv6,
            TransactionId allocateTransaction, byte[] allocateResponse, long createdAt, long expiresAt, long ledgerSequence) {
        this.client = client;
        this.username = username;
        this.port = port;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.allocateTransaction = allocateTransaction;
        this.allocateResponse = allocateResponse;
        this.ledgerSequence = ledgerSequence;
        this.createdAt = createdAt;
        refresh(expiresAt);
    }

    void relayedToPeer(int bytes) {
        packetsToPeer++;
        bytesToPeer += bytes;
    }

    void relayedToClient(int bytes) {
        packetsToClient++;
        bytesToClient += bytes;
    }

    /** What it relayed from its creation to {@code now}. */
    AllocationUsage usage(long now) {
        return new AllocationUsage(packetsToPeer, bytesToPeer, packetsToClient, bytesToClient, Duration.ofNanos(now - createdAt));
    }

    /**
     * Relays at most {@code maxBps} each way (0: no limit of its own), within the server's capacity each way when it
     * has one (both null when it has none).
     */
    void limitBandwidth(long maxBps, @Nullable SharedCapacity toPeerCapacity, @Nullable SharedCapacity toClientCapacity) {
        if (maxBps > 0 || toPeerCapacity != null) {
            toPeerBudget = new FlowBudget(maxBps, toPeerCapacity);
            toClientBudget = new FlowBudget(maxBps, toClientCapacity);
        }
    }

    /**
     * Null when {@code bytes} from the client may be relayed within its limits (and are counted against them), else
     * why not. The relay path calls this rather than the budget: a method whose signature names FlowBudget would
     * not be inlined while no budget was ever made (the class is not loaded), costing unlimited relays a call.
     */
    @Nullable DropReason admitToPeer(int bytes, long now) {
        FlowBudget budget = toPeerBudget;
        return budget == null ? null : budget.admit(bytes, now);
    }

    /** The same for {@code bytes} from a peer. */
    @Nullable DropReason admitToClient(int bytes, long now) {
        FlowBudget budget = toClientBudget;
        return budget == null ? null : budget.admit(bytes, now);
    }

    /** Whether a bandwidth limit (its own or the server's capacity) meters what it relays. */
    boolean isRateLimited() {
        return toPeerBudget != null;
    }

    boolean hasFamily(AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4 : ipv6;
    }

    /** Whether it has relayed addresses of both families. */
    boolean isDual() {
        return ipv4 && ipv6;
    }

    /** When {@code family}'s relayed address expires (meaningful while the allocation has it). */
    long expiresAt(AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4ExpiresAt : ipv6ExpiresAt;
    }

    /** Every relayed address it has now expires at {@code until}. */
    void refresh(long until) {
        ipv4ExpiresAt = until;
        ipv6ExpiresAt = until;
        expiresAt = until;
    }

    /** Only {@code family}'s relayed address expires at {@code until}. */
    void refresh(AddressFamily family, long until) {
        if (family == AddressFamily.IPV4) {
            ipv4ExpiresAt = until;
        } else {
            ipv6ExpiresAt = until;
        }
        expiresAt = latestExpiry();
    }

    /** Forgets {@code family}'s relayed address; the caller removes what relays through it. */
    void dropFamily(AddressFamily family) {
        if (family == AddressFamily.IPV4) {
            ipv4 = false;
        } else {
            ipv6 = false;
        }
        expiresAt = latestExpiry();
    }

    private long latestExpiry() {
        return Math.max(ipv4 ? ipv4ExpiresAt : Long.MIN_VALUE, ipv6 ? ipv6ExpiresAt : Long.MIN_VALUE);
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

    /** The earliest expiry of its families: each is handled when it comes. */
    @Override
    long deadline() {
        return Math.min(ipv4 ? ipv4ExpiresAt : Long.MAX_VALUE, ipv6 ? ipv6ExpiresAt : Long.MAX_VALUE);
    }
}
