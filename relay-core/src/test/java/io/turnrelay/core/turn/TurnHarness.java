package io.turnrelay.core.turn;

import java.time.Duration;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.api.Authenticator;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Drives a {@link TurnServer} with virtual time: every datagram goes in with {@link #now}, relay-socket
 * binds are acknowledged automatically (except for ports listed in {@link #failingPorts}), and every
 * other command lands in {@link #outbox} in order.
 */
final class TurnHarness {
    static final String REALM = "example.org";
    static final long START = 5_000_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final InetAddress PUBLIC_IPV4 = ip("203.0.113.10");
    static final InetAddress PUBLIC_IPV6 = ip("2001:db8::10");

    final TurnServer server;
    final TurnServerConfig config;
    final AtomicLong unixSeconds;
    final List<TurnCommand> outbox = new ArrayList<>();
    final Set<Integer> failingPorts = new HashSet<>();
    /** Every WakeServer the server asked its driver for, in order (not in the outbox). */
    final List<TurnCommand.WakeServer> wakes = new ArrayList<>();
    /** Every BindRelaySocket the server asked for, in order. */
    final List<TurnCommand.BindRelaySocket> bindRequests = new ArrayList<>();
    long now = START;
    boolean autoBind = true;

    TurnHarness(TurnServerConfig config, AtomicLong unixSeconds) {
        this.config = config;
        this.unixSeconds = unixSeconds;
        this.server = new TurnServer(config, new SplittableRandom(42));
    }

    /** A server that shares {@code ledger} with others, as the shards of one relay do. */
    TurnHarness(TurnServerConfig config, AtomicLong unixSeconds, AllocationLedger ledger, long seed) {
        this.config = config;
        this.unixSeconds = unixSeconds;
        this.server = new TurnServer(config, new SplittableRandom(seed), ledger);
    }

    static TurnHarness withDefaults() {
        return with(b -> b);
    }

    /** Static users alice/bob/carol, ports 50000-50019, both families, loopback forbidden, 10.0.0.0/8 allowed. */
    static TurnHarness with(UnaryOperator<TurnServerConfig.Builder> customise) {
        AtomicLong unix = new AtomicLong(1_700_000_000L);
        return new TurnHarness(config(customise, unix), unix);
    }

    /** {@code count} servers configured like {@link #with} that share one {@link AllocationLedger}. */
    static List<TurnHarness> sharing(int count, UnaryOperator<TurnServerConfig.Builder> customise) {
        AtomicLong unix = new AtomicLong(1_700_000_000L);
        TurnServerConfig config = config(customise, unix);
        AllocationLedger ledger = new AllocationLedger(config);
        List<TurnHarness> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            servers.add(new TurnHarness(config, unix, ledger, 42 + i));
        }
        return servers;
    }

    private static TurnServerConfig config(UnaryOperator<TurnServerConfig.Builder> customise, AtomicLong unix) {
        Authenticator users = new StaticUsersAuthenticator(Map.of("alice", "alice-pw", "bob", "bob-pw", "carol", "carol-pw"));
        TurnServerConfig.Builder builder = TurnServerConfig.builder()
                .realm(REALM)
                .software("turnrelay-test")
                .portRange(50000, 50019)
                .publicIpv4(PUBLIC_IPV4)
                .publicIpv6(PUBLIC_IPV6)
                .authenticator(users)
                .peerPolicy(PeerAddressPolicy.defaults())
                .unixClock(unix::get);
        return customise.apply(builder).build();
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static InetSocketAddress address(String literal, int port) {
        return new InetSocketAddress(ip(literal), port);
    }

    void advance(long nanos) {
        now += nanos;
    }

    RelayAction fromClient(InetSocketAddress client, byte[] datagram) {
        return fromClient(TestLinks.udp(client), datagram);
    }

    /** A message from {@code client} over its transport (a datagram, or one frame of a stream). */
    RelayAction fromClient(ClientLink client, byte[] message) {
        RelayAction action = server.handleClientMessage(client, ByteBuffer.wrap(message), 0, message.length, now);
        pump();
        return action;
    }

    /** A stream client connects, as its transport reports it. */
    void connected(ClientLink client) {
        server.handleClientConnected(client, now);
        pump();
    }

    /** A stream client's connection closes, as its transport reports it. */
    void closed(ClientLink client) {
        server.handleClientClosed(client, now);
        pump();
    }

    RelayAction fromPeer(InetSocketAddress peer, int relayPort, ByteBuffer buffer, int offset, int length) {
        RelayAction action = server.handlePeerDatagram(buffer, offset, length, peer, relayPort, now);
        pump();
        return action;
    }

    void timeout() {
        server.handleTimeout(now);
        pump();
    }

    /** Does the work other servers sharing its ledger queued for it, as a driver does once woken. */
    void ledgerWork() {
        server.handleLedgerWork(now);
        pump();
    }

    /** Drains the server's commands; acknowledges binds while {@link #autoBind}. */
    void pump() {
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.BindRelaySocket bind) {
                bindRequests.add(bind);
                if (!autoBind) {
                    outbox.add(bind);
                } else if (failingPorts.contains(bind.port())) {
                    server.handleRelaySocketBindFailed(bind.port(), bind.family(), now);
                } else {
                    server.handleRelaySocketBound(bind.port(), bind.family(), now);
                }
            } else if (command instanceof TurnCommand.WakeServer wake) {
                wakes.add(wake);
            } else {
                outbox.add(command);
            }
        }
    }

    /** Removes and returns the commands of the given type from the outbox. */
    <T extends TurnCommand> List<T> take(Class<T> type) {
        List<T> taken = new ArrayList<>();
        outbox.removeIf(c -> {
            if (type.isInstance(c)) {
                taken.add(type.cast(c));
                return true;
            }
            return false;
        });
        return taken;
    }

    /** Removes and decodes every message sent to the UDP client at {@code client}: responses and Data indications. */
    List<StunMessage> messagesTo(InetSocketAddress client) {
        return messagesTo(TestLinks.udp(client));
    }

    /** Removes and decodes every message sent to {@code client}: responses and Data indications. */
    List<StunMessage> messagesTo(ClientLink client) {
        List<StunMessage> messages = new ArrayList<>();
        outbox.removeIf(c -> {
            if (c instanceof TurnCommand.SendToClient send && send.client().equals(client)) {
                messages.add(decode(send.message()));
                return true;
            }
            if (c instanceof TurnCommand.RelayToClient relay && relay.client().equals(client)) {
                messages.add(decode(relay.message()));
                return true;
            }
            return false;
        });
        return messages;
    }

    /** An AllocationDeleted reduced to whose allocation it was and why, for tests where its usage does not matter. */
    record Deletion(ClientLink client, int port, DeleteReason reason) {
        static Deletion of(TurnCommand.AllocationDeleted deleted) {
            return new Deletion(deleted.client(), deleted.port(), deleted.reason());
        }
    }

    /**
     * The AllocationDeleted of {@code username}'s allocation on {@code port} that relayed nothing in the {@code age}
     * it lived, with the relayed addresses of {@code families} (at the harness's public addresses).
     */
    static TurnCommand.AllocationDeleted deletedIdle(ClientLink client, int port, String username, DeleteReason reason, Duration age,
            AddressFamily... families) {
        List<InetSocketAddress> relayed = new ArrayList<>();
        for (AddressFamily family : families) {
            relayed.add(new InetSocketAddress(family == AddressFamily.IPV4 ? PUBLIC_IPV4 : PUBLIC_IPV6, port));
        }
        return new TurnCommand.AllocationDeleted(client, port, username, relayed, reason, new AllocationUsage(0, 0, 0, 0, age));
    }

    static StunMessage decode(byte[] bytes) {
        try {
            return StunMessage.parse(bytes, 0, bytes.length);
        } catch (StunDecodeException e) {
            throw new AssertionError("server sent an undecodable message", e);
        }
    }
}
