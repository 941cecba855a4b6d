package io.turnrelay.core.turn;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The life of allocations on one server: admission (quotas and capacity, counted in the {@link AllocationLedger}
 * it may share with other servers; one per user), relay-port choice, the
 * asynchronous binding of relay sockets with retries on other ports, EVEN-PORT reservations, and
 * deletion with everything that hangs off an allocation. With one allocation per username it also deletes the
 * user's allocations here that a newer one on another server replaces, when the ledger's work asks for it.
 */
final class Allocator {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final TurnServerConfig config;
    private final RandomGenerator random;
    private final TurnStats stats;
    private final Queue<TurnCommand> commands;
    private final Deadlines deadlines;
    private final ResponseBuilder responses;
    private final AllocationLedger ledger;
    private final LedgerMember member;
    private final AllocationTable allocations;
    private final Map<ClientLink, PendingAllocation> pendingByClient = new HashMap<>();
    private final Map<Integer, PendingAllocation> pendingByPort = new HashMap<>();
    /** Connected stream clients by link, each with its allocate-by deadline. */
    private final Map<ClientLink, StreamConnection> streams = new HashMap<>();
    private final Redirector redirector;
    /** This server's share of the relay's capacity each way; null when it has none. */
    private final @Nullable SharedCapacity toPeerCapacity;
    private final @Nullable SharedCapacity toClientCapacity;
    private boolean accepting = true;
    /** Set by {@link #startDraining}: Allocates are refused, existing allocations go on until they end. */
    private boolean draining;
    private boolean drainedReported;
    private @Nullable DrainDeadline drainDeadline;

    Allocator(TurnServerConfig config, RandomGenerator random, TurnStats stats, Queue<TurnCommand> commands,
            Deadlines deadlines, ResponseBuilder responses, AllocationLedger ledger, TurnServer owner, Redirector redirector) {
        this.config = config;
        this.random = random;
        this.stats = stats;
        this.commands = commands;
        this.deadlines = deadlines;
        this.responses = responses;
        this.ledger = ledger;
        this.member = ledger.join(owner);
        this.redirector = redirector;
        this.allocations = new AllocationTable(config.lowestPort(), config.highestPort());
        this.toPeerCapacity = config.bpsCapacity() > 0 ? new SharedCapacity(config.bpsCapacity()) : null;
        this.toClientCapacity = config.bpsCapacity() > 0 ? new SharedCapacity(config.bpsCapacity()) : null;
    }

    AllocationTable allocations() {
        return allocations;
    }

    @Nullable PendingAllocation pending(ClientLink client) {
        return pendingByClient.get(client);
    }

    /** Allocations, pending Allocates and reservations (made here) held right now. */
    int heldObjects() {
        return allocations.size() + pendingByClient.size() + pendingByPort.size() + streams.size() + ledger.reservationsOf(this);
    }

    int freePorts() {
        return ledger.freePorts();
    }

    void stopAccepting() {
        accepting = false;
    }

    /** When draining has to end: the allocations left then are deleted ({@link #deleteAtDrainDeadline}). */
    static final class DrainDeadline extends Timed {
        long at;

        DrainDeadline(long at) {
            this.at = at;
        }

        @Override
        long deadline() {
            return at;
        }
    }

    boolean draining() {
        return draining;
    }

    /**
     * From now on Allocates are refused (redirected where an alternate fits the client); at {@code deadline} the
     * allocations still here are deleted. A later drain can only bring the deadline forward.
     */
    void startDraining(long deadline) {
        draining = true;
        if (deadline != Long.MAX_VALUE && !drainedReported && (drainDeadline == null || deadline < drainDeadline.at)) {
            if (drainDeadline == null) {
                drainDeadline = new DrainDeadline(deadline);
            }
            drainDeadline.at = deadline;
            deadlines.schedule(drainDeadline);
        }
        reportIfDrained();
    }

    /**
     * The drain deadline came: every allocation still here is deleted and Allocates under way are abandoned. The one
     * place where a drain deletes allocations (their deletion reason is "drained").
     */
    void deleteAtDrainDeadline(long now) {
        for (Allocation allocation : allocations.all()) {
            delete(allocation, now, DeleteReason.DRAINED);
        }
        for (PendingAllocation pending : new ArrayList<>(pendingByClient.values())) {
            pendingByClient.remove(pending.client);
            pendingByPort.remove(pending.port, pending);
            abandon(pending);
            restartAllocateTimeout(pending.client, now);
        }
        reportIfDrained();
    }

    /** Once draining has left nothing here, says so once with {@link TurnCommand.Drained}. */
    private void reportIfDrained() {
        if (draining && !drainedReported && allocations.size() == 0 && pendingByClient.isEmpty()) {
            drainedReported = true;
            if (drainDeadline != null) {
                drainDeadline.removed = true;
            }
            commands.add(new TurnCommand.Drained());
        }
    }

    /**
     * Starts an authenticated Allocate from {@code client} at {@code now}: 0 when the sockets are being bound
     * (the response follows their outcome), else the error code to answer with.
     */
    int start(StunMessage message, ClientLink client, Credentials credentials, boolean fingerprint, long now) {
        if (allocations.byClient(client) != null || pendingByClient.containsKey(client)) {
            return ErrorCode.ALLOCATION_MISMATCH;
        }
        if (!accepting) {
            return ErrorCode.INSUFFICIENT_CAPACITY;
        }
        AllocateTerms terms = AllocateTerms.read(message, config);
        if (terms.errorCode() != 0) {
            return terms.errorCode();
        }
        if (draining) {
            return redirector.refusal(client);
        }
        String username = credentials.username();
        boolean replacing = config.oneAllocationPerUsername();
        int replacedHere = replacing ? allocations.countOf(username) : 0;
        // Allocations on other servers are replaced too (through the ledger), so they do not count either.
        int replaced = replacing ? ledger.establishedOf(username) : 0;
        int refused = ledger.admit(username, !replacing, replaced);
        if (refused == ErrorCode.INSUFFICIENT_CAPACITY) {
            return redirector.refusal(client); // the relay's allocation quota is used up
        }
        if (refused != 0) {
            return refused;
        }
        int port;
        if (terms.hasToken()) {
            Reservation redeemed = ledger.redeem(terms.token(), now);
            if (redeemed == null) {
                ledger.leave(username);
                return ErrorCode.INSUFFICIENT_CAPACITY;
            }
            if (redeemed.owner == this) {
                // Only the owner's thread may touch its deadline entry; another owner's finds nothing to expire.
                redeemed.removed = true;
            }
            terms = terms.withFamiliesOf(redeemed);
            port = redeemed.port; // stays taken: it moves from the reservation to this request
        } else {
            // A refused Allocate must leave the user's other allocation alone, so replacing it (one allocation per
            // username) waits until the new one exists, unless its ports are the only ones left. Only ports held
            // here can be freed at once: another server's go only when it runs its ledger work, so then it is 508.
            port = pickPort(terms.evenPort(), terms.reserveNext());
            if (port == PortPool.NONE && replacedHere > 0) {
                deleteAllocationsOf(username, now);
                port = pickPort(terms.evenPort(), terms.reserveNext());
            }
            if (port == PortPool.NONE) {
                ledger.leave(username);
                return redirector.refusal(client);
            }
        }
        PendingAllocation created = new PendingAllocation(client, message.transactionId(), credentials, fingerprint, terms, port);
        pendingByClient.put(created.client, created);
        requestBinds(created);
        return 0;
    }

    private int pickPort(boolean evenPort, boolean reserveNext) {
        return ledger.takePort(random, evenPort, reserveNext);
    }

    private void requestBinds(PendingAllocation pending) {
        pendingByPort.put(pending.port, pending);
        if (pending.ipv4) {
            commands.add(new TurnCommand.BindRelaySocket(pending.port, AddressFamily.IPV4));
        }
        if (pending.ipv6) {
            commands.add(new TurnCommand.BindRelaySocket(pending.port, AddressFamily.IPV6));
        }
    }

    void socketBound(int port, AddressFamily family, long nowNanos) {
        PendingAllocation pending = pendingByPort.get(port);
        if (pending == null || !pending.wants(family)) {
            Allocation owner = allocations.byPort(port);
            if (owner == null || !owner.hasFamily(family)) {
                // Nobody waits for it any more (the request failed over to another port, or was cancelled).
                commands.add(new TurnCommand.CloseRelaySocket(port, family));
            }
            return;
        }
        pending.markBound(family);
        if (pending.complete()) {
            completeAllocation(pending, nowNanos);
        }
    }

    void bindFailed(int port, AddressFamily family, long nowNanos) {
        PendingAllocation pending = pendingByPort.get(port);
        if (pending == null || !pending.wants(family)) {
            return;
        }
        pendingByPort.remove(port);
        closeBoundSockets(pending);
        pending.failedPorts.add(port);
        if (pending.reserveNext) {
            ledger.releasePort(port + 1);
        }
        int next = pending.fromReservation ? PortPool.NONE : pickPort(pending.evenPort, pending.reserveNext);
        if (next == PortPool.NONE) {
            pendingByClient.remove(pending.client);
            releaseFailedPorts(pending);
            ledger.leave(pending.username());
            // No relay port could be bound: as with a full range, an alternate may take the client.
            int code = redirector.refusal(pending.client);
            byte[] response = pendingResponse(pending, code, w -> {
                if (code == ErrorCode.TRY_ALTERNATE) {
                    redirector.writeNext(w, pending.client);
                }
            });
            commands.add(new TurnCommand.SendToClient(pending.client, response));
            stats.responded(pending.client.transport(), StunMethod.ALLOCATE, code);
            restartAllocateTimeout(pending.client, nowNanos);
            reportIfDrained();
            return;
        }
        pending.port = next;
        requestBinds(pending);
    }

    private void closeBoundSockets(PendingAllocation pending) {
        if (pending.ipv4Bound) {
            commands.add(new TurnCommand.CloseRelaySocket(pending.port, AddressFamily.IPV4));
        }
        if (pending.ipv6Bound) {
            commands.add(new TurnCommand.CloseRelaySocket(pending.port, AddressFamily.IPV6));
        }
        pending.ipv4Bound = false;
        pending.ipv6Bound = false;
    }

    private void releaseFailedPorts(PendingAllocation pending) {
        for (int failed : pending.failedPorts) {
            ledger.releasePort(failed);
        }
        pending.failedPorts.clear();
    }

    private void deleteAllocationsOf(String username, long now) {
        for (Allocation old : allocations.ownedBy(username)) {
            delete(old, now, DeleteReason.REPLACED);
        }
    }

    private void completeAllocation(PendingAllocation pending, long now) {
        if (config.oneAllocationPerUsername()) {
            deleteAllocationsOf(pending.username(), now);
        }
        pendingByPort.remove(pending.port);
        pendingByClient.remove(pending.client);
        releaseFailedPorts(pending);
        long token = 0;
        if (pending.reserveNext) {
            Reservation reservation = ledger.reserve(this, random, pending.port + 1,
                    now + config.reservationLifetime().toNanos(), pending.ipv4, pending.ipv6);
            token = reservation.token;
            deadlines.schedule(reservation);
        }
        long reservationToken = token;
        int port = pending.port;
        List<InetSocketAddress> relayed = relayedAddresses(pending.ipv4, pending.ipv6, port);
        byte[] response = pendingResponse(pending, 0, w -> {
            for (InetSocketAddress address : relayed) {
                w.xorRelayedAddress(address);
            }
            AddressFamily unserved = pending.unservedFamily;
            if (unserved != null) {
                w.addressErrorCode(unserved, ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED,
                        ErrorCode.defaultReason(ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED));
            }
            w.xorMappedAddress(pending.client.remote()).lifetime(pending.lifetimeSeconds);
            if (pending.reserveNext) {
                w.reservationToken(reservationToken);
            }
        });
        long expiresAt = now + pending.lifetimeSeconds * NANOS_PER_SECOND;
        List<LedgerMember> woken = new ArrayList<>(0);
        long sequence = ledger.establish(member, pending.username(), woken);
        for (LedgerMember other : woken) {
            commands.add(new TurnCommand.WakeServer(other.server));
        }
        Allocation allocation = new Allocation(pending.client, pending.username(), port, pending.ipv4, pending.ipv6,
                pending.transactionId, response, now, expiresAt, sequence);
        long maxBps = pending.credentials.maxBps();
        allocation.limitBandwidth(maxBps >= 0 ? maxBps : config.maxBps(), toPeerCapacity, toClientCapacity);
        allocations.add(allocation);
        deadlines.schedule(allocation);
        stats.allocationsChanged(pending.client.transport(), 1);
        StreamConnection stream = streams.get(pending.client);
        if (stream != null) {
            stream.allocateBy = Long.MAX_VALUE;
        }
        commands.add(new TurnCommand.AllocationCreated(pending.client, pending.username(), port, expiresAt, relayed, pending.lifetimeSeconds));
        commands.add(new TurnCommand.SendToClient(pending.client, response));
        stats.responded(pending.client.transport(), StunMethod.ALLOCATE, 0);
    }

    /** The relayed addresses of {@code port} for the families given, as XOR-RELAYED-ADDRESS announces them, IPv4 first. */
    private List<InetSocketAddress> relayedAddresses(boolean ipv4, boolean ipv6, int port) {
        InetAddress publicIpv4 = config.publicIpv4();
        InetAddress publicIpv6 = config.publicIpv6();
        List<InetSocketAddress> relayed = new ArrayList<>(2);
        if (ipv4 && publicIpv4 != null) {
            relayed.add(new InetSocketAddress(publicIpv4, port));
        }
        if (ipv6 && publicIpv6 != null) {
            relayed.add(new InetSocketAddress(publicIpv6, port));
        }
        return List.copyOf(relayed);
    }

    private byte[] pendingResponse(PendingAllocation pending, int code, Consumer<StunMessageWriter> attributes) {
        StunMessageWriter writer = responses.startResponse(code == 0, pending.credentials != null, StunMethod.ALLOCATE, pending.transactionId);
        if (code != 0) {
            writer.errorCode(code, ErrorCode.defaultReason(code));
        }
        attributes.accept(writer);
        return responses.seal(writer, pending.credentials, pending.fingerprint);
    }

    /**
     * Deletes an allocation with its permissions and channels, closes its sockets and frees its port. A stream
     * connection left without an allocation at {@code now} must make another within the allocate timeout.
     */
    void delete(Allocation allocation, long now, DeleteReason reason) {
        allocation.removed = true;
        ClientTransport transport = allocation.client.transport();
        for (Permission permission : allocation.permissions.values()) {
            permission.removed = true;
            stats.permissionsChanged(transport, -1);
            commands.add(new TurnCommand.PermissionDeleted(allocation.client, allocation.port, permission.peerIp));
        }
        allocation.permissions.clear();
        for (int i = 0; i < allocation.channelCount; i++) {
            Channel channel = allocation.channels[i];
            if (channel.bound) {
                channel.bound = false;
                stats.channelsChanged(transport, -1);
                commands.add(new TurnCommand.ChannelUnbound(allocation.client, channel.number, channel.peer, allocation.port));
            }
            channel.removed = true;
        }
        allocation.channelCount = 0;
        allocation.channelsByPeer.clear();
        allocations.remove(allocation);
        if (allocation.ipv4) {
            commands.add(new TurnCommand.CloseRelaySocket(allocation.port, AddressFamily.IPV4));
        }
        if (allocation.ipv6) {
            commands.add(new TurnCommand.CloseRelaySocket(allocation.port, AddressFamily.IPV6));
        }
        commands.add(new TurnCommand.AllocationDeleted(allocation.client, allocation.port, allocation.username,
                relayedAddresses(allocation.ipv4, allocation.ipv6, allocation.port),
                reason, allocation.usage(now)));
        ledger.releasePort(allocation.port);
        ledger.leaveEstablished(member, allocation.username);
        stats.allocationsChanged(transport, -1);
        stats.allocationEnded(transport, now - allocation.createdAt);
        StreamConnection stream = streams.get(allocation.client);
        if (stream != null && allocations.byClient(allocation.client) == null) {
            stream.allocateBy = now + config.streamAllocateTimeout().toNanos();
            deadlines.schedule(stream);
        }
        reportIfDrained();
    }

    /** A stream client connected at {@code now}: it must allocate within the allocate timeout. */
    void streamConnected(ClientLink link, long now) {
        if (streams.containsKey(link)) {
            return;
        }
        StreamConnection stream = new StreamConnection(link, now + config.streamAllocateTimeout().toNanos());
        streams.put(link, stream);
        deadlines.schedule(stream);
    }

    /**
     * A stream client's connection is gone: its allocation is deleted at once (nothing can reach the client or
     * refresh it again, RFC 8489 §6.2.2) and an Allocate it had under way is abandoned.
     */
    void streamClosed(ClientLink link, long now) {
        StreamConnection stream = streams.remove(link);
        if (stream != null) {
            stream.removed = true;
        }
        Allocation allocation = allocations.byClient(link);
        if (allocation != null) {
            delete(allocation, now, DeleteReason.CONNECTION_CLOSED);
        }
        PendingAllocation pending = pendingByClient.remove(link);
        if (pending != null) {
            abandon(pending);
            pendingByPort.remove(pending.port, pending);
        }
        reportIfDrained();
    }

    /**
     * Whether the stream connection of {@code link} is past its allocate-by deadline at {@code now} without an
     * allocation or an Allocate under way, so that the next {@link #streamIdleAtDeadline} closes it.
     */
    boolean streamOverdue(ClientLink link, long now) {
        StreamConnection stream = streams.get(link);
        return stream != null && stream.allocateBy <= now && allocations.byClient(link) == null && !pendingByClient.containsKey(link);
    }

    /**
     * A stream connection whose allocate-by deadline came while its Allocate was under way had the deadline lifted
     * ({@link #streamIdleAtDeadline}); when the Allocate fails it is left without an allocation, so it must make one
     * within the allocate timeout again, as after an allocation's end. A deadline still to come stays.
     */
    private void restartAllocateTimeout(ClientLink link, long now) {
        StreamConnection stream = streams.get(link);
        if (stream != null && stream.allocateBy == Long.MAX_VALUE) {
            stream.allocateBy = now + config.streamAllocateTimeout().toNanos();
            deadlines.schedule(stream);
        }
    }

    /** A connection's allocate-by deadline came: true when it still holds no allocation, so it is to be closed. */
    boolean streamIdleAtDeadline(StreamConnection stream, long now) {
        if (stream.removed || stream.allocateBy > now) {
            return false;
        }
        if (allocations.byClient(stream.link) != null || pendingByClient.containsKey(stream.link)) {
            stream.allocateBy = Long.MAX_VALUE;
            return false;
        }
        streams.remove(stream.link);
        stream.removed = true;
        return true;
    }

    /** Gives back everything an Allocate under way holds: bound sockets, ports (also failed ones) and its admission. */
    private void abandon(PendingAllocation pending) {
        closeBoundSockets(pending);
        releaseFailedPorts(pending);
        ledger.releasePort(pending.port);
        if (pending.reserveNext) {
            ledger.releasePort(pending.port + 1);
        }
        ledger.leave(pending.username());
    }

    /**
     * Deletes the allocations that newer ones of the same user on other servers replace, as queued in the ledger.
     * Allocations established after the replacing one stay (the user came back here), and work for allocations
     * that are gone already (expired, refreshed to 0) finds nothing.
     */
    void deleteReplacedElsewhere(long now) {
        for (Map.Entry<String, Long> eviction : ledger.takeEvictions(member).entrySet()) {
            for (Allocation old : allocations.ownedBy(eviction.getKey())) {
                if (old.ledgerSequence < eviction.getValue()) {
                    delete(old, now, DeleteReason.REPLACED);
                }
            }
        }
    }

    /**
     * Deletes one family's relayed address of a dual allocation (RFC 8656 §7: Refresh with REQUESTED-ADDRESS-FAMILY
     * and LIFETIME 0, or that family's expiry): closes its socket and removes its permissions and channels. The
     * allocation keeps its port and the other family.
     */
    void deleteFamily(Allocation allocation, AddressFamily family) {
        allocation.dropFamily(family);
        ClientTransport transport = allocation.client.transport();
        for (Iterator<Permission> it = allocation.permissions.values().iterator(); it.hasNext(); ) {
            Permission permission = it.next();
            if (AddressFamily.of(permission.peerIp) == family) {
                it.remove();
                permission.removed = true;
                stats.permissionsChanged(transport, -1);
                commands.add(new TurnCommand.PermissionDeleted(allocation.client, allocation.port, permission.peerIp));
            }
        }
        for (int i = allocation.channelCount - 1; i >= 0; i--) {
            Channel channel = allocation.channels[i];
            if (AddressFamily.of(channel.peer.getAddress()) == family) {
                if (channel.bound) {
                    channel.bound = false;
                    stats.channelsChanged(transport, -1);
                    commands.add(new TurnCommand.ChannelUnbound(allocation.client, channel.number, channel.peer, allocation.port));
                }
                channel.removed = true;
                allocation.removeChannel(channel);
            }
        }
        commands.add(new TurnCommand.CloseRelaySocket(allocation.port, family));
    }

    /** A reservation made here is due: its port goes back unless the token was redeemed (here or elsewhere). */
    void expire(Reservation reservation) {
        reservation.removed = true;
        ledger.expire(reservation);
    }

    /** Deletes every allocation for {@code reason}, abandons pending ones and drops the reservations made here. */
    void releaseAll(long now, DeleteReason reason) {
        for (StreamConnection stream : streams.values()) {
            stream.removed = true;
        }
        streams.clear();
        for (Allocation allocation : allocations.all()) {
            delete(allocation, now, reason);
        }
        for (PendingAllocation pending : new ArrayList<>(pendingByClient.values())) {
            abandon(pending);
        }
        pendingByClient.clear();
        pendingByPort.clear();
        ledger.dropReservationsOf(this);
    }
}
