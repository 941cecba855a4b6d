package io.turnrelay.core.turn;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.events.AuthenticationFailure;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.PacketKind;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The sans-IO TURN server (RFC 8489, RFC 8656): a synchronous state machine that never does IO, never
 * starts a thread, never reads a clock and never uses a global random source. A driver feeds it
 * client messages (each tagged with its {@link ClientLink}, the client's 5-tuple), peer datagrams, stream
 * connections opening and closing, bind outcomes and timeouts with the current monotonic time in nanoseconds,
 * acts on the returned {@link RelayAction} straight from its own buffer, and drains {@link #pollCommand()}.
 * Not thread-safe: one thread drives one instance; instances that share an {@link AllocationLedger} (the shards
 * of one relay) may each run on their own thread. Nothing a client or peer sends makes it throw.
 */
public final class TurnServer {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final TurnServerConfig config;
    private final RandomGenerator random;
    private final boolean rfc5766Channels;
    private final TurnStats stats = new TurnStats();
    private final Forwarding forwarding = new Forwarding();
    private final ArrayDeque<TurnCommand> commands = new ArrayDeque<>();
    private final Deadlines deadlines = new Deadlines();
    private final Allocator allocator;
    private final AllocationLedger ledger;
    private final AllocationTable allocations;
    private final RequestAuthenticator authenticator;
    private final NonceIssuer nonces;
    private final ResponseBuilder responses;
    private final Redirector redirector;
    /** How often the last-resort guard caught a bug; tests assert it stays 0. */
    private long guardTrips;

    /** A server on its own: {@code random} supplies relay ports, nonce secrets and reservation tokens. */
    public TurnServer(TurnServerConfig config, RandomGenerator random) {
        this(config, random, new AllocationLedger(config));
    }

    /**
     * One of several servers (each driven by its own thread) that act as one relay: they take relay ports from,
     * count allocations in, and redeem reservation tokens through the shared {@code ledger}, which must
     * {@linkplain AllocationLedger#fits fit} {@code config}. {@code random} is this server's own.
     *
     * @throws IllegalArgumentException when the ledger has another port range or other allocation limits
     */
    public TurnServer(TurnServerConfig config, RandomGenerator random, AllocationLedger ledger) {
        if (!ledger.fits(config)) {
            throw new IllegalArgumentException("ledger: made for another port range or other allocation limits");
        }
        this.config = config;
        this.ledger = ledger;
        this.random = random;
        this.rfc5766Channels = config.rfc5766ChannelNumbers();
        this.nonces = new NonceIssuer(random, config.nonceValidity().toNanos());
        this.authenticator = new RequestAuthenticator(config.authenticator(), config.realm(), config.unixClock(), nonces);
        this.responses = new ResponseBuilder(config.software());
        this.redirector = new Redirector(config);
        this.allocator = new Allocator(config, random, stats, commands, deadlines, responses, ledger, this, redirector);
        this.allocations = allocator.allocations();
    }

    // ------------------------------------------------------------------------------------------------
    // Data plane

    /**
     * One message from {@code client}: a whole datagram, or one frame cut from a stream (a ChannelData frame may
     * then carry its padding), {@code length} bytes of {@code buffer} at absolute index {@code offset} (positions are
     * not used or changed). STUN requests are answered through commands ({@link RelayAction#HANDLED}); ChannelData
     * and Send indications may give {@link RelayAction#FORWARD_TO_PEER}.
     */
    public RelayAction handleClientMessage(ClientLink client, ByteBuffer buffer, int offset, int length, long nowNanos) {
        ClientTransport transport = client.transport();
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            return drop(DropReason.NOT_TURN, transport);
        }
        PacketKind kind = PacketKind.classify(buffer, offset, length, rfc5766Channels);
        if (kind == PacketKind.CHANNEL_DATA) {
            return channelDataFromClient(buffer, offset, length, client, nowNanos);
        }
        if (kind != PacketKind.STUN) {
            return drop(DropReason.NOT_TURN, transport);
        }
        try {
            return stunFromClient(buffer, offset, length, client, nowNanos);
        } catch (RuntimeException e) {
            // Last resort: a bug must not take the relay down; the message is dropped and counted.
            guardTrips++;
            return drop(DropReason.MALFORMED_STUN, transport);
        }
    }

    private RelayAction channelDataFromClient(ByteBuffer buffer, int offset, int length, ClientLink client, long now) {
        int payloadLength = ChannelData.payloadLength(buffer, offset, length, rfc5766Channels);
        if (payloadLength < 0) {
            return drop(DropReason.MALFORMED_CHANNEL_DATA, client.transport());
        }
        Allocation allocation = allocations.byClient(client);
        if (allocation == null || allocation.expiresAt <= now) {
            return drop(DropReason.NO_ALLOCATION, client.transport());
        }
        Channel channel = allocation.channel(ChannelData.channelNumber(buffer, offset));
        if (channel == null || !channel.relays(now)) {
            return drop(DropReason.NO_CHANNEL, client.transport());
        }
        DropReason over = allocation.admitToPeer(payloadLength, now);
        if (over != null) {
            return drop(over, client.transport());
        }
        forwarding.toPeer(allocation.port, channel.peer, allocation.client, offset + ChannelData.HEADER_LENGTH, payloadLength);
        stats.relayedToPeer(client.transport(), payloadLength);
        allocation.relayedToPeer(payloadLength);
        return RelayAction.FORWARD_TO_PEER;
    }

    /**
     * A datagram from {@code peer} that arrived on relay port {@code relayPort}. Gives
     * {@link RelayAction#FORWARD_TO_CLIENT} when a channel is bound, {@link RelayAction#HANDLED} when it went out as a Data indication command,
     * or {@link RelayAction#DROP}.
     */
    public RelayAction handlePeerDatagram(ByteBuffer buffer, int offset, int length, InetSocketAddress peer, int relayPort, long nowNanos) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            return drop(DropReason.NOT_TURN, null);
        }
        Allocation allocation = allocations.byPort(relayPort);
        if (allocation == null || allocation.expiresAt <= nowNanos) {
            return drop(DropReason.NO_ALLOCATION, null);
        }
        ClientTransport transport = allocation.client.transport();
        Channel channel = allocation.channelsByPeer.get(peer);
        if (channel != null && channel.relays(nowNanos) && length <= 0xFFFF) {
            DropReason over = allocation.admitToClient(length, nowNanos);
            if (over != null) {
                return drop(over, transport);
            }
            forwarding.toClient(allocation.client, channel.number, allocation.port, channel.peer, offset, length);
            stats.relayedToClient(transport, length);
            allocation.relayedToClient(length);
            return RelayAction.FORWARD_TO_CLIENT;
        }
        InetAddress peerIp = peer.getAddress();
        Permission permission = peerIp == null ? null : allocation.permissions.get(peerIp);
        if (permission == null || !permission.isLive(nowNanos)) {
            return drop(DropReason.NO_PERMISSION, transport);
        }
        DropReason over = allocation.admitToClient(length, nowNanos);
        if (over != null) {
            return drop(over, transport);
        }
        try {
            sendDataIndication(allocation, peer, buffer, offset, length);
        } catch (RuntimeException e) {
            // Last resort, e.g. a datagram too large for a Data indication.
            guardTrips++;
            return drop(DropReason.NOT_TURN, transport);
        }
        stats.relayedToClient(transport, length);
        allocation.relayedToClient(length);
        return RelayAction.HANDLED;
    }

    private void sendDataIndication(Allocation allocation, InetSocketAddress peer, ByteBuffer buffer, int offset, int length) {
        byte[] id = new byte[TransactionId.LENGTH];
        random.nextBytes(id);
        StunMessageWriter writer = responses.startIndication(StunMethod.DATA, TransactionId.of(id));
        writer.xorPeerAddress(peer).data(buffer, offset, length);
        commands.add(new TurnCommand.RelayToClient(allocation.client, responses.seal(writer, null, false)));
    }

    /** Details of the last FORWARD_* action. */
    public Forwarding forwarding() {
        return forwarding;
    }

    private RelayAction drop(DropReason reason, @Nullable ClientTransport transport) {
        stats.countDrop(reason, transport);
        return RelayAction.DROP;
    }

    // ------------------------------------------------------------------------------------------------
    // STUN from clients

    private RelayAction stunFromClient(ByteBuffer buffer, int offset, int length, ClientLink client, long now) {
        ByteBuffer view = buffer.duplicate();
        view.limit(offset + length).position(offset);
        StunMessage message;
        try {
            message = StunMessage.parse(view);
        } catch (StunDecodeException e) {
            return answerMalformed(buffer, offset, length, client, e);
        }
        if (message.hasFingerprint() && !message.verifyFingerprint()) {
            return drop(DropReason.MALFORMED_STUN, client.transport());
        }
        StunClass messageClass = message.messageClass();
        if (messageClass == StunClass.INDICATION && message.method() == StunMethod.SEND) {
            return sendIndication(message, client, now);
        }
        if (messageClass != StunClass.REQUEST) {
            return drop(DropReason.UNEXPECTED_MESSAGE, client.transport());
        }
        boolean overdue = allocator.streamOverdue(client, now);
        handleTimeout(now);
        if (overdue) {
            // Its connection let the allocate timeout pass (the timer had not run yet): the timeout just asked for it
            // to be closed, so it gets no answer, as if the timer had been on time.
            return drop(DropReason.NO_ALLOCATION, client.transport());
        }
        handleRequest(new Request(message, client, now));
        return RelayAction.HANDLED;
    }

    /** A request whose header is readable but whose body is not: 400; anything else is dropped. */
    private RelayAction answerMalformed(ByteBuffer buffer, int offset, int length, ClientLink client, StunDecodeException e) {
        if (e.reason() == StunDecodeException.Reason.NOT_STUN || e.reason() == StunDecodeException.Reason.BAD_MAGIC_COOKIE
                || length < StunMessage.HEADER_LENGTH || buffer.getInt(offset + 4) != StunMessage.MAGIC_COOKIE) {
            return drop(DropReason.MALFORMED_STUN, client.transport());
        }
        int type = buffer.getShort(offset) & 0x3FFF;
        int classBits = ((type >> 7) & 0b10) | ((type >> 4) & 0b01);
        if (classBits != StunClass.REQUEST.bits()) {
            return drop(DropReason.MALFORMED_STUN, client.transport());
        }
        int method = (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
        byte[] id = new byte[TransactionId.LENGTH];
        buffer.get(offset + 8, id);
        StunMessageWriter writer = responses.startResponse(false, false, method, TransactionId.of(id));
        writer.errorCode(ErrorCode.BAD_REQUEST, ErrorCode.defaultReason(ErrorCode.BAD_REQUEST));
        commands.add(new TurnCommand.SendToClient(client, responses.seal(writer, null, false)));
        stats.responded(client.transport(), method, ErrorCode.BAD_REQUEST);
        return RelayAction.HANDLED;
    }

    private RelayAction sendIndication(StunMessage message, ClientLink client, long now) {
        ClientTransport transport = client.transport();
        Allocation allocation = allocations.byClient(client);
        if (allocation == null || allocation.expiresAt <= now) {
            return drop(DropReason.NO_ALLOCATION, transport);
        }
        List<InetSocketAddress> peers = message.xorPeerAddresses();
        if (peers.isEmpty() || !message.hasData()) {
            return drop(DropReason.MALFORMED_SEND, transport);
        }
        InetSocketAddress peer = peers.get(0);
        InetAddress peerIp = peer.getAddress();
        if (peerIp == null || !allocation.canRelayTo(peerIp)) {
            return drop(DropReason.MALFORMED_SEND, transport);
        }
        if (!config.peerPolicy().permits(peerIp)) {
            return drop(DropReason.FORBIDDEN_PEER, transport);
        }
        Permission permission = allocation.permissions.get(peerIp);
        if (permission == null || !permission.isLive(now)) {
            return drop(DropReason.NO_PERMISSION, transport);
        }
        DropReason over = allocation.admitToPeer(message.dataLength(), now);
        if (over != null) {
            return drop(over, transport);
        }
        forwarding.toPeer(allocation.port, peer, allocation.client, message.dataOffset(), message.dataLength());
        stats.relayedToPeer(transport, message.dataLength());
        allocation.relayedToPeer(message.dataLength());
        return RelayAction.FORWARD_TO_PEER;
    }

    /** One request being answered. */
    private record Request(StunMessage message, ClientLink client, long now) {
        int method() {
            return message.method();
        }

        boolean fingerprint() {
            return message.hasFingerprint();
        }
    }

    private void handleRequest(Request request) {
        StunMessage message = request.message();
        int method = message.method();
        if (method == StunMethod.BINDING) {
            binding(request);
            return;
        }
        if (method != StunMethod.ALLOCATE && method != StunMethod.REFRESH
                && method != StunMethod.CREATE_PERMISSION && method != StunMethod.CHANNEL_BIND) {
            reply(request, ErrorCode.BAD_REQUEST, null, w -> {});
            return;
        }
        if (method == StunMethod.ALLOCATE && answeredAsRetransmission(request)) {
            return;
        }
        RequestAuthenticator.Outcome outcome = authenticator.authenticate(message, request.client(), request.now());
        if (!outcome.accepted()) {
            AuthenticationFailure failure = outcome.failure();
            if (failure != null) {
                commands.add(new TurnCommand.AuthenticationFailed(request.client(), outcome.username(), failure));
            }
            rejectAuthentication(request, outcome.errorCode());
            return;
        }
        Credentials credentials = outcome.credentials();
        List<Integer> unknown = message.unknownComprehensionRequiredAttributes();
        if (!unknown.isEmpty()) {
            reply(request, ErrorCode.UNKNOWN_ATTRIBUTE, credentials, w -> w.unknownAttributes(unknown));
            return;
        }
        Allocation allocation = allocations.byClient(request.client());
        PendingAllocation pending = allocator.pending(request.client());
        String owner = allocation != null ? allocation.username : pending != null ? pending.username() : null;
        if (owner != null && !owner.equals(credentials.username())) {
            commands.add(new TurnCommand.AuthenticationFailed(request.client(), credentials.username(),
                    AuthenticationFailure.ALLOCATION_OF_ANOTHER_USER));
            reply(request, ErrorCode.WRONG_CREDENTIALS, credentials, w -> {});
            return;
        }
        switch (method) {
            case StunMethod.ALLOCATE -> {
                int refused = allocator.start(message, request.client(), credentials, request.fingerprint(), request.now());
                if (refused == ErrorCode.TRY_ALTERNATE) {
                    // Redirection comes only here, after authentication: a 300 to an unauthenticated request would tell
                    // anyone who asks where the other relays are, and over UDP, with a spoofed source, it would make this
                    // relay send unsolicited answers to a victim (reflection). Strangers get the 401 challenge above.
                    reply(request, refused, credentials, w -> redirector.writeNext(w, request.client()));
                } else if (refused != 0) {
                    reply(request, refused, credentials, w -> {});
                }
            }
            case StunMethod.REFRESH -> refresh(request, credentials, allocation);
            case StunMethod.CREATE_PERMISSION -> createPermission(request, credentials, allocation);
            default -> channelBind(request, credentials, allocation);
        }
    }

    private void binding(Request request) {
        List<Integer> unknown = request.message().unknownComprehensionRequiredAttributes();
        if (!unknown.isEmpty()) {
            reply(request, ErrorCode.UNKNOWN_ATTRIBUTE, null, w -> w.unknownAttributes(unknown));
            return;
        }
        reply(request, 0, null, w -> w.xorMappedAddress(request.client().remote()));
    }

    private void rejectAuthentication(Request request, int code) {
        if (code == ErrorCode.BAD_REQUEST) {
            reply(request, code, null, w -> {});
            return;
        }
        String nonce = nonces.issue(request.client(), request.now());
        reply(request, code, null, w -> w.realm(config.realm()).nonce(nonce)
                .passwordAlgorithms(RequestAuthenticator.OFFERED));
    }

    /** RFC 8656 §7.2: the same Allocate again from the same 5-tuple is a retransmission, not a new request. */
    private boolean answeredAsRetransmission(Request request) {
        TransactionId id = request.message().transactionId();
        PendingAllocation pending = allocator.pending(request.client());
        if (pending != null && pending.transactionId.equals(id)) {
            return true; // the answer comes when the sockets are bound
        }
        Allocation allocation = allocations.byClient(request.client());
        if (allocation != null && allocation.allocateTransaction.equals(id)) {
            commands.add(new TurnCommand.SendToClient(request.client(), allocation.allocateResponse));
            stats.responded(request.client().transport(), StunMethod.ALLOCATE, 0);
            return true;
        }
        return false;
    }

    /** Sends a response: {@code code} 0 for success, else an error with its default reason phrase. */
    private void reply(Request request, int code, @Nullable Credentials signer, Consumer<StunMessageWriter> attributes) {
        StunMessageWriter writer = responses.startResponse(code == 0, signer != null, request.method(), request.message().transactionId());
        if (code != 0) {
            writer.errorCode(code, ErrorCode.defaultReason(code));
        }
        attributes.accept(writer);
        commands.add(new TurnCommand.SendToClient(request.client(), responses.seal(writer, signer, request.fingerprint())));
        stats.responded(request.client().transport(), request.method(), code);
    }

    // ------------------------------------------------------------------------------------------------
    // Allocate

    /** The relay socket asked for by a {@link TurnCommand.BindRelaySocket} is bound. */
    public void handleRelaySocketBound(int port, AddressFamily family, long nowNanos) {
        allocator.socketBound(port, family, nowNanos);
    }

    /** The relay socket could not be bound (port taken): the server tries another port, or answers 508. */
    public void handleRelaySocketBindFailed(int port, AddressFamily family, long nowNanos) {
        allocator.bindFailed(port, family, nowNanos);
    }

    // ------------------------------------------------------------------------------------------------
    // Refresh, CreatePermission, ChannelBind

    private void refresh(Request request, Credentials credentials, @Nullable Allocation allocation) {
        StunMessage message = request.message();
        if (allocation == null) {
            reply(request, ErrorCode.ALLOCATION_MISMATCH, credentials, w -> {});
            return;
        }
        // RFC 8656 §7: REQUESTED-ADDRESS-FAMILY picks one relayed address of a dual allocation; without it the
        // Refresh applies to every relayed address the allocation has.
        AddressFamily family = null;
        if (message.has(AttributeType.REQUESTED_ADDRESS_FAMILY)) {
            family = message.requestedAddressFamily();
            if (family == null || !allocation.hasFamily(family)) {
                reply(request, ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, credentials, w -> {});
                return;
            }
        }
        OptionalLong requested = message.lifetime();
        long seconds = requested.isPresent()
                ? Math.min(requested.getAsLong(), config.maxLifetime().toSeconds())
                : config.defaultLifetime().toSeconds();
        if (seconds == 0 && family != null && allocation.isDual()) {
            allocator.deleteFamily(allocation, family);
        } else if (seconds == 0) {
            allocator.delete(allocation, request.now(), DeleteReason.CLIENT_DELETE);
        } else {
            long until = request.now() + seconds * NANOS_PER_SECOND;
            if (family != null) {
                allocation.refresh(family, until);
            } else {
                allocation.refresh(until);
            }
            deadlines.schedule(allocation);
            commands.add(new TurnCommand.AllocationRefreshed(allocation.client, allocation.username, allocation.port, seconds));
        }
        reply(request, 0, credentials, w -> w.lifetime(seconds));
    }

    private void createPermission(Request request, Credentials credentials, @Nullable Allocation allocation) {
        if (allocation == null) {
            reply(request, ErrorCode.ALLOCATION_MISMATCH, credentials, w -> {});
            return;
        }
        List<InetSocketAddress> peers = request.message().xorPeerAddresses();
        if (peers.isEmpty()) {
            reply(request, ErrorCode.BAD_REQUEST, credentials, w -> {});
            return;
        }
        List<InetAddress> ips = new ArrayList<>(peers.size());
        for (InetSocketAddress peer : peers) {
            InetAddress ip = peer.getAddress();
            if (ip == null || !allocation.canRelayTo(ip)) {
                reply(request, ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, credentials, w -> {});
                return;
            }
            ips.add(ip);
        }
        for (InetAddress ip : ips) {
            if (!config.peerPolicy().permits(ip)) {
                reply(request, ErrorCode.FORBIDDEN, credentials, w -> {});
                return;
            }
        }
        if (!hasRoomForPermissions(allocation, ips)) {
            reply(request, ErrorCode.INSUFFICIENT_CAPACITY, credentials, w -> {});
            return;
        }
        for (InetAddress ip : ips) {
            installPermission(allocation, ip, request.now());
        }
        reply(request, 0, credentials, w -> {});
    }

    /** Whether installing permissions for {@code ips} keeps the allocation within its permission cap. */
    private boolean hasRoomForPermissions(Allocation allocation, List<InetAddress> ips) {
        int added = 0;
        for (int i = 0; i < ips.size(); i++) {
            InetAddress ip = ips.get(i);
            if (!allocation.permissions.containsKey(ip) && ips.indexOf(ip) == i) {
                added++;
            }
        }
        return allocation.permissions.size() + added <= config.maxPermissionsPerAllocation();
    }

    private void installPermission(Allocation allocation, InetAddress ip, long now) {
        long expiresAt = now + config.permissionLifetime().toNanos();
        Permission permission = allocation.permissions.get(ip);
        if (permission == null) {
            permission = new Permission(allocation, ip, expiresAt);
            allocation.permissions.put(ip, permission);
            stats.permissionsChanged(allocation.client.transport(), 1);
            commands.add(new TurnCommand.PermissionCreated(allocation.client, allocation.port, ip));
        } else {
            permission.expiresAt = expiresAt;
        }
        deadlines.schedule(permission);
    }

    private void channelBind(Request request, Credentials credentials, @Nullable Allocation allocation) {
        StunMessage message = request.message();
        if (allocation == null) {
            reply(request, ErrorCode.ALLOCATION_MISMATCH, credentials, w -> {});
            return;
        }
        OptionalInt number = message.channelNumber();
        List<InetSocketAddress> peers = message.xorPeerAddresses();
        if (number.isEmpty() || peers.isEmpty() || !ChannelData.isValidChannelNumber(number.getAsInt(), rfc5766Channels)) {
            reply(request, ErrorCode.BAD_REQUEST, credentials, w -> {});
            return;
        }
        int channelNumber = number.getAsInt();
        InetSocketAddress peer = peers.get(0);
        InetAddress ip = peer.getAddress();
        if (ip == null || !allocation.canRelayTo(ip)) {
            reply(request, ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH, credentials, w -> {});
            return;
        }
        if (!config.peerPolicy().permits(ip)) {
            reply(request, ErrorCode.FORBIDDEN, credentials, w -> {});
            return;
        }
        if (!hasRoomForPermissions(allocation, List.of(ip))) {
            reply(request, ErrorCode.INSUFFICIENT_CAPACITY, credentials, w -> {});
            return;
        }
        Channel byNumber = allocation.channel(channelNumber);
        Channel byPeer = allocation.channelsByPeer.get(peer);
        if ((byNumber != null && !byNumber.peer.equals(peer)) || (byPeer != null && byPeer.number != channelNumber)) {
            reply(request, ErrorCode.BAD_REQUEST, credentials, w -> {});
            return;
        }
        long expiresAt = request.now() + config.channelLifetime().toNanos();
        Channel channel = byNumber;
        boolean starts = channel == null || !channel.bound;
        if (channel == null) {
            channel = new Channel(allocation, channelNumber, peer, expiresAt, config.channelCooldown().toNanos());
            allocation.addChannel(channel);
            stats.channelsChanged(allocation.client.transport(), 1);
        } else {
            channel.expiresAt = expiresAt;
            if (!channel.bound) {
                channel.bound = true;
                stats.channelsChanged(allocation.client.transport(), 1);
            }
        }
        deadlines.schedule(channel);
        installPermission(allocation, ip, request.now());
        if (starts) {
            commands.add(new TurnCommand.ChannelBound(allocation.client, channelNumber, channel.peer, allocation.port, allocation.isRateLimited()));
        }
        reply(request, 0, credentials, w -> {});
    }

    // ------------------------------------------------------------------------------------------------
    // Time and lifecycle

    /** Expires whatever is due at {@code nowNanos}. */
    public void handleTimeout(long nowNanos) {
        Timed due;
        while ((due = deadlines.pollDue(nowNanos)) != null) {
            if (due.removed) {
                continue;
            }
            if (due instanceof Allocation allocation) {
                expire(allocation, nowNanos);
            } else if (due instanceof Permission permission) {
                removePermission(permission);
            } else if (due instanceof Channel channel) {
                if (channel.bound) {
                    unbind(channel);
                    deadlines.schedule(channel); // the cooldown
                } else {
                    channel.removed = true;
                    channel.allocation.removeChannel(channel);
                }
            } else if (due instanceof Reservation reservation) {
                allocator.expire(reservation);
            } else if (due instanceof Allocator.DrainDeadline) {
                allocator.deleteAtDrainDeadline(nowNanos);
            } else if (due instanceof StreamConnection stream && allocator.streamIdleAtDeadline(stream, nowNanos)) {
                commands.add(new TurnCommand.CloseClient(stream.link));
            }
        }
    }

    /** Deletes the relayed addresses of {@code allocation} that are due, and the allocation when none is left. */
    private void expire(Allocation allocation, long now) {
        if (allocation.expiresAt <= now) {
            allocator.delete(allocation, now, DeleteReason.EXPIRED);
            return;
        }
        for (AddressFamily family : AddressFamily.values()) {
            if (allocation.hasFamily(family) && allocation.expiresAt(family) <= now) {
                allocator.deleteFamily(allocation, family);
            }
        }
        deadlines.schedule(allocation);
    }

    private void removePermission(Permission permission) {
        permission.removed = true;
        Allocation allocation = permission.allocation;
        allocation.permissions.remove(permission.peerIp, permission);
        stats.permissionsChanged(allocation.client.transport(), -1);
        commands.add(new TurnCommand.PermissionDeleted(allocation.client, allocation.port, permission.peerIp));
    }

    private void unbind(Channel channel) {
        channel.bound = false;
        stats.channelsChanged(channel.allocation.client.transport(), -1);
        Allocation allocation = channel.allocation;
        commands.add(new TurnCommand.ChannelUnbound(allocation.client, channel.number, channel.peer, allocation.port));
    }

    /** The next deadline (monotonic nanoseconds) at which {@link #handleTimeout} has work, or {@link Long#MAX_VALUE}. */
    public long pollTimeout() {
        return deadlines.next();
    }

    /** The next queued command, or null. */
    public @Nullable TurnCommand pollCommand() {
        return commands.poll();
    }

    /**
     * Does the work other servers sharing the ledger queued for this one, after expiring what is due at
     * {@code nowNanos}: deletes the allocations that a newer allocation of the same user on another server
     * replaces (one allocation per username), emitting the same commands as any deletion
     * ({@link TurnCommand.ChannelUnbound}, {@link TurnCommand.CloseRelaySocket}, {@link TurnCommand.AllocationDeleted}).
     * Nothing happens when there is no work, or when the allocations are gone already.
     */
    public void handleLedgerWork(long nowNanos) {
        handleTimeout(nowNanos);
        allocator.deleteReplacedElsewhere(nowNanos);
    }

    // ------------------------------------------------------------------------------------------------
    // Stream connections

    /**
     * A TCP or TLS client connected at {@code nowNanos}. It must make an allocation within the stream allocate
     * timeout (and again within it whenever its allocation ends), or a {@link TurnCommand.CloseClient} asks for
     * its connection to be closed. Nothing happens for a link already known.
     */
    public void handleClientConnected(ClientLink client, long nowNanos) {
        if (client.isStream()) {
            allocator.streamConnected(client, nowNanos);
        }
    }

    /**
     * A stream client's connection is closed (either side, any reason): its allocation is deleted at once, with the
     * usual commands ({@link TurnCommand.ChannelUnbound}, {@link TurnCommand.CloseRelaySocket},
     * {@link TurnCommand.AllocationDeleted}), its port freed and its quota released; an Allocate under way is
     * abandoned. Nothing is sent to the client any more.
     */
    public void handleClientClosed(ClientLink client, long nowNanos) {
        // Forget the connection first: its allocate-by deadline may be overdue (the timer not yet run), and a
        // CloseClient for a connection that is already closed would be a command for a client that is gone.
        allocator.streamClosed(client, nowNanos);
        handleTimeout(nowNanos);
    }

    /**
     * Starts draining at {@code nowNanos} (a rolling restart, a scale-in): every Allocate from now on is refused, after
     * authentication, with 300 Try Alternate naming the next configured alternate of the client's family and transport
     * (round robin), or 508 without one. Existing allocations keep relaying, refreshing and binding channels and
     * permissions until they end by themselves; at {@code deadlineNanos} ({@link Long#MAX_VALUE} for none) the
     * remaining ones are deleted, with the usual commands. Once the server holds no allocation (at once when it holds
     * none) it emits {@link TurnCommand.Drained}, once. Calling it again can only bring the deadline forward.
     */
    public void handleDrain(long nowNanos, long deadlineNanos) {
        allocator.startDraining(deadlineNanos);
        handleTimeout(nowNanos); // also a deadline already due: it deletes the allocations at once
    }

    /** Whether {@link #handleDrain} was called. */
    public boolean draining() {
        return allocator.draining();
    }

    /** Graceful shutdown, step 1: new Allocates are refused (508); existing allocations keep relaying. */
    public void stopAccepting() {
        allocator.stopAccepting();
    }

    /** Graceful shutdown, step 2: deletes every allocation, emitting close/deleted commands for each. */
    public void releaseAll(long nowNanos) {
        releaseAll(nowNanos, DeleteReason.SHUT_DOWN);
    }

    /** Deletes every allocation as {@link #releaseAll(long)} does, giving {@code reason} (e.g. a drain's deadline). */
    public void releaseAll(long nowNanos, DeleteReason reason) {
        allocator.releaseAll(nowNanos, reason);
    }

    public TurnStats stats() {
        return stats;
    }

    long guardTrips() {
        return guardTrips;
    }

    /**
     * For tests of the no-leak property: everything the server holds (allocations, pending Allocates,
     * reservations, deadline entries). 0 means it holds no state at all.
     */
    int heldObjects() {
        return allocator.heldObjects() + deadlines.size();
    }

    /** For tests: relay ports not held by anything. */
    int freePorts() {
        return allocator.freePorts();
    }

    /** For tests of the no-leak property: allocations (live or pending) its ledger counts, over all its servers. */
    int ledgerAllocations() {
        return ledger.allocations();
    }

    /** For tests of the no-leak property: how many entries the deadline queue holds. */
    int scheduledDeadlines() {
        return deadlines.size();
    }
}
