package io.turnrelay.core.turn;

import io.turnrelay.core.stun.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * What the {@link TurnServer}s of one relay share so that together they act as one server: the relay port
 * range (each server may take any free port of it), the allocation counts behind {@code maxAllocations} and
 * {@code maxAllocationsPerUser}, and the EVEN-PORT reservations, so a RESERVATION-TOKEN can be redeemed on
 * any of the servers. A server made without one keeps a private ledger.
 *
 * <p>With {@code oneAllocationPerUsername} it also knows which servers hold each user's allocations: when one
 * server establishes an allocation, it queues "delete the user's older allocations" for the other servers that
 * hold some, and names them to the establishing server, which asks its driver to wake them ({@link TurnCommand.WakeServer}), so
 * that each deletes them on its own thread in {@link TurnServer#handleLedgerWork}.
 *
 * <p>Thread-safe: servers driven by different threads use it under one lock, and only for control-plane
 * events (Allocate, bind outcomes, deletion, expiry); relaying never touches it. Like the servers it reads
 * no clock and holds no random source of its own: each server passes its own.
 */
public final class AllocationLedger {
    private final TurnServerConfig config;
    private final PortPool ports;
    private final Map<String, Integer> heldByUser = new HashMap<>();
    private final Map<Long, Reservation> reservations = new HashMap<>();
    private final List<LedgerMember> members = new ArrayList<>();
    private int held;
    /** Counts established allocations, so eviction work spares allocations newer than the replacing one. */
    private long establishedSequence;

    /** A ledger for servers with {@code config}'s port range and allocation limits. */
    public AllocationLedger(TurnServerConfig config) {
        this.config = config;
        this.ports = new PortPool(config.lowestPort(), config.highestPort());
    }

    /** Whether a server with {@code other} may share this ledger: same port range and allocation limits. */
    public boolean fits(TurnServerConfig other) {
        return other.lowestPort() == config.lowestPort() && other.highestPort() == config.highestPort()
                && other.maxAllocations() == config.maxAllocations()
                && other.maxAllocationsPerUser() == config.maxAllocationsPerUser()
                && other.oneAllocationPerUsername() == config.oneAllocationPerUsername();
    }

    /** Relay ports held by nobody: not by an allocation, a pending Allocate or a reservation. */
    public synchronized int freePorts() {
        return ports.freeCount();
    }

    /** Allocations, live or pending, over all servers sharing this ledger. */
    public synchronized int allocations() {
        return held;
    }

    /**
     * Counts in one more allocation (pending until its sockets are bound) of {@code username}, or refuses it:
     * 486 past the user's quota (only checked with {@code perUserQuota}), 508 past {@code maxAllocations}.
     * {@code replacing} allocations of the user are about to be deleted and do not count against the total.
     * Returns 0 when admitted; the caller gives it back with {@link #leave} when the allocation ends.
     */
    synchronized int admit(String username, boolean perUserQuota, int replacing) {
        if (perUserQuota && heldByUser.getOrDefault(username, 0) >= config.maxAllocationsPerUser()) {
            return ErrorCode.ALLOCATION_QUOTA_REACHED;
        }
        if (held - replacing >= config.maxAllocations()) {
            return ErrorCode.INSUFFICIENT_CAPACITY;
        }
        held++;
        heldByUser.merge(username, 1, Integer::sum);
        return 0;
    }

    /** An allocation admitted for {@code username} ended before it was established (its Allocate failed). */
    synchronized void leave(String username) {
        held--;
        heldByUser.computeIfPresent(username, (user, count) -> count == 1 ? null : count - 1);
    }

    /** A server joins: its place records which users hold allocations on it and the eviction work for it. */
    synchronized LedgerMember join(TurnServer server) {
        LedgerMember member = new LedgerMember(server);
        members.add(member);
        return member;
    }

    /**
     * An allocation of {@code username} was established on {@code holder}. In one-allocation-per-username mode,
     * every other server holding allocations of the user is asked to delete those (all older than this one); those
     * with no such work queued yet are added to {@code woken}, to be woken once for the batch. Returns the allocation's place in the order of establishment (0 in
     * the other modes).
     */
    long establish(LedgerMember holder, String username, List<LedgerMember> woken) {
        if (!config.oneAllocationPerUsername()) {
            return 0;
        }
        long sequence;
        synchronized (this) {
            sequence = ++establishedSequence;
            for (LedgerMember other : members) {
                if (other != holder && other.established.containsKey(username)) {
                    // One wake-up per batch: a member with queued work has been woken and not yet drained it.
                    boolean idle = other.evictions.isEmpty();
                    other.evictions.merge(username, sequence, Math::max);
                    if (idle) {
                        woken.add(other);
                    }
                }
            }
            holder.established.merge(username, 1, Integer::sum);
        }
        return sequence;
    }

    /** An allocation of {@code username} established on {@code holder} ended (deleted or expired). */
    synchronized void leaveEstablished(LedgerMember holder, String username) {
        leave(username);
        holder.established.computeIfPresent(username, (user, count) -> count == 1 ? null : count - 1);
    }

    /** Established allocations of {@code username} over all servers (counted only in one-per-username mode). */
    synchronized int establishedOf(String username) {
        int count = 0;
        for (LedgerMember member : members) {
            count += member.established.getOrDefault(username, 0);
        }
        return count;
    }

    /** Takes the eviction work queued for {@code member}: username to the sequence below which to delete. */
    synchronized Map<String, Long> takeEvictions(LedgerMember member) {
        if (member.evictions.isEmpty()) {
            return Map.of();
        }
        Map<String, Long> taken = member.evictions;
        member.evictions = new HashMap<>();
        return taken;
    }

    /**
     * Takes a random free port (an even one with {@code even}, and then the port above it too with
     * {@code alsoNext}), or returns {@link PortPool#NONE}.
     */
    synchronized int takePort(RandomGenerator random, boolean even, boolean alsoNext) {
        return even ? ports.takeRandomEven(random, alsoNext) : ports.takeRandom(random);
    }

    synchronized void releasePort(int port) {
        ports.release(port);
    }

    /**
     * Records a reservation of {@code port} (already taken) under a fresh non-zero token. {@code owner} is the
     * allocator that schedules its expiry.
     */
    synchronized Reservation reserve(Allocator owner, RandomGenerator random, int port, long expiresAt, boolean ipv4, boolean ipv6) {
        long token = random.nextLong();
        while (token == 0 || reservations.containsKey(token)) {
            token = random.nextLong();
        }
        Reservation reservation = new Reservation(owner, token, port, expiresAt, ipv4, ipv6);
        reservations.put(token, reservation);
        return reservation;
    }

    /**
     * Removes and returns the reservation for {@code token} if it is still live at {@code now}: its port stays
     * taken and passes to the caller. Null when there is none (unknown, redeemed, or expired).
     */
    synchronized @Nullable Reservation redeem(long token, long now) {
        Reservation reservation = reservations.get(token);
        if (reservation == null || reservation.expiresAt <= now) {
            return null;
        }
        reservations.remove(token);
        return reservation;
    }

    /** The reservation's deadline came: frees its port unless it was redeemed meanwhile. */
    synchronized void expire(Reservation reservation) {
        if (reservations.remove(reservation.token, reservation)) {
            ports.release(reservation.port);
        }
    }

    /** Drops every reservation {@code owner} made, freeing their ports; they are marked removed. */
    synchronized void dropReservationsOf(Allocator owner) {
        for (Iterator<Reservation> it = reservations.values().iterator(); it.hasNext(); ) {
            Reservation reservation = it.next();
            if (reservation.owner == owner) {
                it.remove();
                reservation.removed = true;
                ports.release(reservation.port);
            }
        }
    }

    synchronized int reservationsOf(Allocator owner) {
        int count = 0;
        for (Reservation reservation : reservations.values()) {
            if (reservation.owner == owner) {
                count++;
            }
        }
        return count;
    }
}
