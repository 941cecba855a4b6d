package io.turnrelay.core.turn.model;

import java.util.EnumSet;

import io.turnrelay.core.stun.AddressFamily;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What a correct TURN server holds, kept with absolute expiry times in virtual nanoseconds. Everything
 * is live while {@code now < expiresAt}: a handleTimeout at exactly the deadline removes it.
 */
final class RelayModel {

    /** A channel: relays while {@code now < expiresAt}; its number and peer stay reserved until {@code reservedUntil}. */
    static final class Channel {
        final int number;
        final InetSocketAddress peer;
        long expiresAt;
        long reservedUntil;

        Channel(int number, InetSocketAddress peer) {
            this.number = number;
            this.peer = peer;
        }

        @Override
        public String toString() {
            return String.format("0x%04X->%s until %d (reserved %d)", number, peer, expiresAt, reservedUntil);
        }
    }

    /** One allocation and everything that hangs off it. */
    static final class Allocation {
        final InetSocketAddress client;
        final String owner;
        final int port;
        final Set<AddressFamily> families;
        long expiresAt;
        final Map<InetAddress, Long> permissionExpiries = new LinkedHashMap<>();
        final Map<Integer, Channel> channels = new LinkedHashMap<>();

        Allocation(InetSocketAddress client, String owner, int port, Set<AddressFamily> families, long expiresAt) {
            this.client = client;
            this.owner = owner;
            this.port = port;
            this.families = Set.copyOf(families);
            this.expiresAt = expiresAt;
        }

        boolean hasPermission(InetAddress peer, long now) {
            Long expiry = permissionExpiries.get(peer);
            return expiry != null && now < expiry;
        }

        @Nullable Channel liveChannel(int number, long now) {
            Channel channel = channels.get(number);
            return channel != null && now < channel.expiresAt ? channel : null;
        }

        @Nullable Channel liveChannelTo(InetSocketAddress peer, long now) {
            for (Channel channel : channels.values()) {
                if (channel.peer.equals(peer) && now < channel.expiresAt) {
                    return channel;
                }
            }
            return null;
        }

        /** A number or peer is reserved by a live or cooling-down channel. */
        @Nullable Channel reservingChannel(int number, InetSocketAddress peer, long now) {
            for (Channel channel : channels.values()) {
                if ((channel.number == number || channel.peer.equals(peer)) && now < channel.reservedUntil) {
                    return channel;
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return "Allocation[" + client + " owner=" + owner + " port=" + port + " " + families + " until " + expiresAt
                    + " permissions=" + permissionExpiries + " channels=" + channels.values() + "]";
        }
    }

    private final long permissionLifetimeNanos;
    private final long channelLifetimeNanos;
    private final long channelCooldownNanos;
    private final Map<InetSocketAddress, Allocation> allocations = new LinkedHashMap<>();
    /** RESERVATION-TOKEN to the reserved port and the moment the reservation lapses. */
    private final Map<Long, long[]> reservations = new LinkedHashMap<>();
    private final Map<Long, Set<AddressFamily>> reservationFamilies = new HashMap<>();

    RelayModel(long permissionLifetimeNanos, long channelLifetimeNanos, long channelCooldownNanos) {
        this.permissionLifetimeNanos = permissionLifetimeNanos;
        this.channelLifetimeNanos = channelLifetimeNanos;
        this.channelCooldownNanos = channelCooldownNanos;
    }

    /** Drops whatever a handleTimeout at {@code now} would remove. */
    void expire(long now) {
        allocations.values().removeIf(allocation -> allocation.expiresAt <= now);
        reservations.values().removeIf(reservation -> reservation[1] <= now);
        for (Allocation allocation : allocations.values()) {
            allocation.permissionExpiries.values().removeIf(expiry -> expiry <= now);
            allocation.channels.values().removeIf(channel -> channel.reservedUntil <= now);
        }
    }

    @Nullable Allocation allocationOf(InetSocketAddress client) {
        return allocations.get(client);
    }

    @Nullable Allocation allocationOnPort(int port, AddressFamily family) {
        for (Allocation allocation : allocations.values()) {
            if (allocation.port == port && allocation.families.contains(family)) {
                return allocation;
            }
        }
        return null;
    }

    Collection<Allocation> allocations() {
        return allocations.values();
    }

    void reserve(long token, int port, long expiresAt, Set<AddressFamily> families) {
        ServerHarness.check(!reservations.containsKey(token), "RESERVATION-TOKEN handed out twice: " + token);
        reservations.put(token, new long[] {port, expiresAt});
        reservationFamilies.put(token, EnumSet.copyOf(families));
    }

    /** The address families of the allocation that made a reservation: its token gets the same. */
    Set<AddressFamily> reservedFamilies(long token) {
        return reservationFamilies.getOrDefault(token, EnumSet.of(AddressFamily.IPV4));
    }

    /** The reserved port of a live reservation, or -1. */
    int reservedPort(long token) {
        long[] reservation = reservations.get(token);
        return reservation == null ? -1 : (int) reservation[0];
    }

    void useReservation(long token) {
        reservations.remove(token);
    }

    void dropReservations() {
        reservations.clear();
    }

    Set<Integer> reservedPorts() {
        Set<Integer> ports = new TreeSet<>();
        reservations.values().forEach(reservation -> ports.add((int) reservation[0]));
        return ports;
    }

    Set<Integer> heldPorts() {
        Set<Integer> ports = new TreeSet<>();
        allocations.values().forEach(allocation -> ports.add(allocation.port));
        return ports;
    }

    long allocationsOwnedBy(String username) {
        return allocations.values().stream().filter(allocation -> allocation.owner.equals(username)).count();
    }

    void addAllocation(Allocation allocation) {
        for (Allocation other : allocations.values()) {
            ServerHarness.check(other.port != allocation.port,
                    "relay port " + allocation.port + " given to " + allocation.client + " is held by " + other);
        }
        allocations.put(allocation.client, allocation);
    }

    void deleteAllocation(InetSocketAddress client) {
        allocations.remove(client);
    }

    void installPermission(Allocation allocation, InetAddress peer, long now) {
        allocation.permissionExpiries.put(peer, now + permissionLifetimeNanos);
    }

    void bindChannel(Allocation allocation, int number, InetSocketAddress peer, long now) {
        Channel channel = allocation.channels.computeIfAbsent(number, n -> new Channel(n, peer));
        channel.expiresAt = now + channelLifetimeNanos;
        channel.reservedUntil = channel.expiresAt + channelCooldownNanos;
        installPermission(allocation, peer.getAddress(), now);
    }

    long livePermissions(long now) {
        long count = 0;
        for (Allocation allocation : allocations.values()) {
            count += allocation.permissionExpiries.values().stream().filter(expiry -> now < expiry).count();
        }
        return count;
    }

    long liveChannels(long now) {
        long count = 0;
        for (Allocation allocation : allocations.values()) {
            count += allocation.channels.values().stream().filter(channel -> now < channel.expiresAt).count();
        }
        return count;
    }

    /** The live channels as the ChannelBound/ChannelUnbound commands should describe them. */
    Map<ServerHarness.ChannelKey, InetSocketAddress> liveChannelMap(long now) {
        Map<ServerHarness.ChannelKey, InetSocketAddress> channels = new HashMap<>();
        for (Allocation allocation : allocations.values()) {
            for (Channel channel : allocation.channels.values()) {
                if (now < channel.expiresAt) {
                    channels.put(new ServerHarness.ChannelKey(allocation.client, channel.number), channel.peer);
                }
            }
        }
        return channels;
    }

    Set<ServerHarness.RelaySocket> expectedSockets() {
        Set<ServerHarness.RelaySocket> sockets = new HashSet<>();
        for (Allocation allocation : allocations.values()) {
            for (AddressFamily family : allocation.families) {
                sockets.add(new ServerHarness.RelaySocket(allocation.port, family));
            }
        }
        return sockets;
    }

    /** The earliest moment after {@code now} at which a reservation, allocation, permission or channel lapses. */
    long nextExpiry(long now) {
        long next = Long.MAX_VALUE;
        for (long[] reservation : reservations.values()) {
            next = Math.min(next, reservation[1]);
        }
        for (Allocation allocation : allocations.values()) {
            next = Math.min(next, allocation.expiresAt);
            for (long expiry : allocation.permissionExpiries.values()) {
                if (expiry > now) {
                    next = Math.min(next, expiry);
                }
            }
            for (Channel channel : allocation.channels.values()) {
                if (channel.expiresAt > now) {
                    next = Math.min(next, channel.expiresAt);
                }
            }
        }
        return next;
    }

    @Override
    public String toString() {
        return allocations.values() + " reservations " + reservations.keySet();
    }
}
