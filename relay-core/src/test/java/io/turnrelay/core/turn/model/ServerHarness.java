package io.turnrelay.core.turn.model;

import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Plays everything around a {@link TurnServer}: virtual monotonic time, the operating system that binds
 * and closes relay sockets, and the transport that carries out forwarding decisions. It records what the
 * server asked for and fails fast (AssertionError) on anything a driver could never do, such as binding
 * a socket that is already open or closing one that is not.
 */
final class ServerHarness {
    private static final int MAX_TIMEOUTS_PER_ADVANCE = 100_000;

    /** A bound relay socket as the operating system sees it. */
    record RelaySocket(int port, AddressFamily family) {}

    /**
     * What one datagram led to: the action, the forwarding details and payload (copied out of the
     * buffer, since {@link Forwarding} is overwritten by the next call), the messages queued for clients,
     * and how many relay socket binds failed meanwhile.
     */
    record Outcome(
            RelayAction action,
            int relayPort,
            InetSocketAddress peer,
            InetSocketAddress client,
            int channelNumber,
            byte[] payload,
            List<TurnCommand.SendToClient> sentToClients,
            int bindFailures) {}

    private final TurnServer server;
    private final TurnServerConfig config;
    private final Set<Integer> portsHeldByOtherProcesses;
    private final Set<RelaySocket> openSockets = new HashSet<>();
    private final Map<InetSocketAddress, Integer> announcedAllocations = new HashMap<>();
    private final Map<ChannelKey, InetSocketAddress> announcedChannels = new HashMap<>();
    /** Permissions as PermissionCreated/Deleted announce them: client and peer IP. */
    private final java.util.Set<java.util.List<Object>> announcedPermissions = new java.util.HashSet<>();
    private final List<TurnCommand.SendToClient> sentSinceMark = new ArrayList<>();
    private int bindFailuresSinceMark;
    private final VirtualClock clock;
    private long now;
    private int datagramCounter;

    /** Identifies a channel as the informational commands do. */
    record ChannelKey(InetSocketAddress client, int channelNumber) {}

    /** {@code clock} must be the one {@code config}'s unix clock reads; the harness alone advances it. */
    ServerHarness(TurnServerConfig config, VirtualClock clock, long seed, Set<Integer> portsHeldByOtherProcesses) {
        this.config = config;
        this.clock = clock;
        this.now = clock.nanos();
        this.portsHeldByOtherProcesses = Set.copyOf(portsHeldByOtherProcesses);
        this.server = guarded("constructor", () -> new TurnServer(config, new SplittableRandom(seed)));
    }

    TurnServer server() {
        return server;
    }

    TurnServerConfig config() {
        return config;
    }

    long now() {
        return now;
    }

    Set<RelaySocket> openSockets() {
        return Collections.unmodifiableSet(openSockets);
    }

    Map<InetSocketAddress, Integer> announcedAllocations() {
        return Collections.unmodifiableMap(announcedAllocations);
    }

    Map<ChannelKey, InetSocketAddress> announcedChannels() {
        return Collections.unmodifiableMap(announcedChannels);
    }

    /** A datagram from a client to the listen port, placed at a varying offset inside a larger buffer. */
    Outcome fromClient(InetSocketAddress client, byte[] datagram) {
        int lead = datagramCounter++ % 7;
        ByteBuffer buffer = bufferWith(datagram, lead);
        int position = buffer.position();
        int limit = buffer.limit();
        mark();
        RelayAction action = guarded("handleClientDatagram from " + client,
                () -> server.handleClientMessage(TestLinks.udp(client), buffer, lead, datagram.length, now));
        checkBufferUntouched(buffer, position, limit);
        Outcome outcome = outcome(action, buffer, lead, datagram.length);
        drain();
        return withSent(outcome);
    }

    /** A datagram from a peer that arrived on relay port {@code relayPort}, with 4 bytes of headroom. */
    Outcome fromPeer(InetSocketAddress peer, int relayPort, byte[] datagram) {
        int offset = ChannelData.HEADER_LENGTH + datagramCounter++ % 5;
        ByteBuffer buffer = bufferWith(datagram, offset);
        int position = buffer.position();
        int limit = buffer.limit();
        mark();
        RelayAction action = guarded("handlePeerDatagram from " + peer + " on port " + relayPort,
                () -> server.handlePeerDatagram(buffer, offset, datagram.length, peer, relayPort, now));
        checkBufferUntouched(buffer, position, limit);
        Outcome outcome = outcome(action, buffer, offset, datagram.length);
        if (action == RelayAction.FORWARD_TO_CLIENT) {
            check(outcome.payload().length == datagram.length,
                    "FORWARD_TO_CLIENT must carry the whole peer datagram, got " + outcome.payload().length + " of " + datagram.length);
        }
        drain();
        return withSent(outcome);
    }

    /** Advances like an event loop that wakes at every deadline on time. */
    void advanceStepwiseTo(long target) {
        check(target >= now, "time must not go backwards");
        int timeouts = 0;
        while (true) {
            long deadline = guarded("pollTimeout", server::pollTimeout);
            if (deadline > target) {
                break;
            }
            now = Math.max(now, deadline);
            clock.set(now);
            timeoutAtNow();
            check(++timeouts < MAX_TIMEOUTS_PER_ADVANCE, "pollTimeout keeps returning deadlines up to " + target);
        }
        now = target;
        clock.set(now);
    }

    /** Advances like an event loop that slept through every deadline and calls handleTimeout once, late. */
    void advanceLateTo(long target) {
        check(target >= now, "time must not go backwards");
        now = target;
        clock.set(now);
        if (guarded("pollTimeout", server::pollTimeout) <= now) {
            timeoutAtNow();
        }
    }

    void stopAccepting() {
        mark();
        guarded("stopAccepting", () -> {
            server.stopAccepting();
            return null;
        });
        drain();
        check(sentSinceMark.isEmpty(), "stopAccepting sent messages to clients: " + sentSinceMark);
    }

    void releaseAll() {
        mark();
        guarded("releaseAll", () -> {
            server.releaseAll(now);
            return null;
        });
        drain();
        check(sentSinceMark.isEmpty(), "releaseAll sent messages to clients: " + sentSinceMark);
    }

    /** Moves the clock like an event loop whose timer has not fired yet. */
    void advanceWithoutTimeout(long target) {
        check(target >= now, "time must not go backwards");
        now = target;
        clock.set(now);
    }

    /** Some deadline is due and handleTimeout has not been called for it yet. */
    boolean timeoutOverdue() {
        return guarded("pollTimeout", server::pollTimeout) <= now;
    }

    private void timeoutAtNow() {
        mark();
        guarded("handleTimeout(" + now + ")", () -> {
            server.handleTimeout(now);
            return null;
        });
        drain();
        check(sentSinceMark.isEmpty(), "handleTimeout(" + now + ") sent messages to clients: " + sentSinceMark);
        long next = guarded("pollTimeout", server::pollTimeout);
        check(next > now, "after handleTimeout(" + now + ") pollTimeout() is still due: " + next);
    }

    private void mark() {
        sentSinceMark.clear();
        bindFailuresSinceMark = 0;
    }

    private Outcome withSent(Outcome outcome) {
        return new Outcome(outcome.action(), outcome.relayPort(), outcome.peer(), outcome.client(),
                outcome.channelNumber(), outcome.payload(), List.copyOf(sentSinceMark),
                bindFailuresSinceMark);
    }

    private Outcome outcome(RelayAction action, ByteBuffer buffer, int datagramOffset, int datagramLength) {
        check(action != null, "null RelayAction");
        if (action != RelayAction.FORWARD_TO_PEER && action != RelayAction.FORWARD_TO_CLIENT) {
            return new Outcome(action, -1, unknownAddress(), unknownAddress(), -1, new byte[0], List.of(), 0);
        }
        Forwarding forwarding = guarded("forwarding", server::forwarding);
        int offset = forwarding.payloadOffset();
        int length = forwarding.payloadLength();
        check(offset >= datagramOffset && length >= 0 && offset + length <= datagramOffset + datagramLength,
                "forwarded payload [" + offset + ", +" + length + ") lies outside the datagram [" + datagramOffset
                        + ", +" + datagramLength + ")");
        byte[] payload = new byte[length];
        buffer.get(offset, payload);
        if (action == RelayAction.FORWARD_TO_PEER) {
            return new Outcome(action, forwarding.relayPort(), forwarding.peer(), unknownAddress(), -1, payload, List.of(), 0);
        }
        check(offset >= ChannelData.HEADER_LENGTH, "no headroom for the ChannelData header at offset " + offset);
        return new Outcome(action, -1, unknownAddress(), forwarding.client().remote(), forwarding.channelNumber(), payload, List.of(), 0);
    }

    private void drain() {
        while (true) {
            TurnCommand command = guarded("pollCommand", server::pollCommand);
            if (command == null) {
                return;
            }
            apply(command);
        }
    }

    private void apply(TurnCommand command) {
        if (command instanceof TurnCommand.SendToClient send) {
            check(send.message().length > 0, "empty message to " + send.client());
            sentSinceMark.add(send);
        } else if (command instanceof TurnCommand.RelayToClient relay) {
            check(relay.message().length > 0, "empty Data indication to " + relay.client());
            sentSinceMark.add(new TurnCommand.SendToClient(relay.client(), relay.message()));
        } else if (command instanceof TurnCommand.BindRelaySocket bind) {
            bind(bind.port(), bind.family());
        } else if (command instanceof TurnCommand.CloseRelaySocket close) {
            check(openSockets.remove(new RelaySocket(close.port(), close.family())),
                    "CloseRelaySocket for a socket that is not open: " + close);
        } else if (command instanceof TurnCommand.AllocationCreated created) {
            check(!announcedAllocations.containsKey(created.client().remote()),
                    "AllocationCreated for " + created.client() + " which already has one on port "
                            + announcedAllocations.get(created.client().remote()));
            check(announcedAllocations.values().stream().noneMatch(port -> port == created.port()),
                    "AllocationCreated on port " + created.port() + " which another allocation holds");
            check(openSockets.stream().anyMatch(socket -> socket.port() == created.port()),
                    "AllocationCreated on port " + created.port() + " before its socket is bound");
            announcedAllocations.put(created.client().remote(), created.port());
        } else if (command instanceof TurnCommand.AllocationDeleted deleted) {
            Integer port = announcedAllocations.remove(deleted.client().remote());
            check(port != null && port == deleted.port(),
                    "AllocationDeleted " + deleted + " but the announced allocation was on port " + port);
            check(announcedChannels.keySet().stream().noneMatch(key -> key.client().equals(deleted.client().remote())),
                    "AllocationDeleted " + deleted + " while its channels were not unbound: " + announcedChannels);
            check(announcedPermissions.stream().noneMatch(key -> key.get(0).equals(deleted.client().remote())),
                    "AllocationDeleted " + deleted + " while its permissions were not deleted: " + announcedPermissions);
            check(deleted.usage().duration().toNanos() >= 0, "AllocationDeleted " + deleted + " with a negative duration");
        } else if (command instanceof TurnCommand.AllocationRefreshed refreshed) {
            Integer port = announcedAllocations.get(refreshed.client().remote());
            check(port != null && port == refreshed.port() && refreshed.lifetimeSeconds() > 0,
                    "AllocationRefreshed " + refreshed + " but the announced allocation was on port " + port);
        } else if (command instanceof TurnCommand.PermissionCreated created) {
            check(announcedAllocations.containsKey(created.client().remote()), "PermissionCreated without an allocation: " + created);
            check(announcedPermissions.add(List.of(created.client().remote(), created.peer())), "PermissionCreated twice: " + created);
        } else if (command instanceof TurnCommand.PermissionDeleted deleted) {
            check(announcedPermissions.remove(List.of(deleted.client().remote(), deleted.peer())),
                    "PermissionDeleted for a permission not announced: " + deleted);
        } else if (command instanceof TurnCommand.AuthenticationFailed failed) {
            check(failed.reason() != null, "AuthenticationFailed without a reason: " + failed);
        } else if (command instanceof TurnCommand.ChannelBound bound) {
            check(announcedAllocations.containsKey(bound.client().remote()), "ChannelBound without an allocation: " + bound);
            InetSocketAddress previous = announcedChannels.put(new ChannelKey(bound.client().remote(), bound.channelNumber()), bound.peer());
            check(previous == null, "ChannelBound " + bound + " for a channel that relays already (to " + previous + ")");
        } else if (command instanceof TurnCommand.ChannelUnbound unbound) {
            InetSocketAddress previous = announcedChannels.remove(new ChannelKey(unbound.client().remote(), unbound.channelNumber()));
            check(unbound.peer().equals(previous), "ChannelUnbound " + unbound + " but the announced peer was " + previous);
        } else {
            throw new AssertionError("unknown command " + command);
        }
    }

    private void bind(int port, AddressFamily family) {
        check(port >= config.lowestPort() && port <= config.highestPort(),
                "BindRelaySocket outside the configured range: " + port);
        RelaySocket socket = new RelaySocket(port, family);
        check(!openSockets.contains(socket), "BindRelaySocket for a socket the server already holds: " + socket);
        if (portsHeldByOtherProcesses.contains(port)) {
            bindFailuresSinceMark++;
            guarded("handleRelaySocketBindFailed", () -> {
                server.handleRelaySocketBindFailed(port, family, now);
                return null;
            });
            return;
        }
        openSockets.add(socket);
        guarded("handleRelaySocketBound", () -> {
            server.handleRelaySocketBound(port, family, now);
            return null;
        });
    }

    private static ByteBuffer bufferWith(byte[] datagram, int offset) {
        ByteBuffer buffer = ByteBuffer.allocate(offset + datagram.length + 3);
        buffer.put(offset, datagram);
        // Bytes around the datagram that the server must ignore.
        for (int i = 0; i < offset; i++) {
            buffer.put(i, (byte) 0x41);
        }
        for (int i = offset + datagram.length; i < buffer.capacity(); i++) {
            buffer.put(i, (byte) 0x5A);
        }
        buffer.position(1).limit(buffer.capacity());
        return buffer;
    }

    private static void checkBufferUntouched(ByteBuffer buffer, int position, int limit) {
        check(buffer.position() == position && buffer.limit() == limit,
                "the server moved the buffer's position or limit");
    }

    private static InetSocketAddress unknownAddress() {
        return InetSocketAddress.createUnresolved("none", 0);
    }

    interface ServerCall<T> {
        T call();
    }

    /** Anything thrown out of the server is a failure of invariant (d), reported as such. */
    static <T> T guarded(String what, ServerCall<T> call) {
        try {
            return call.call();
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("server threw from " + what + ": " + e, e);
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
