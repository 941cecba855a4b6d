package io.turnrelay.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
import io.turnrelay.core.stun.StreamFraming;
import io.turnrelay.core.stun.StreamReassembler;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.ServerProbe;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One {@link TurnServer} with a small port range, fed by a {@link FuzzedDataProvider} one step at a time. Requests
 * the fuzzer could never forge (valid MESSAGE-INTEGRITY over a fresh nonce) are built here from fuzzed fields, with
 * the nonce each client last received, so every authenticated path is reachable.
 *
 * <p>Two modes. {@linkplain #overDatagrams Over datagrams}: four UDP clients, each message one datagram. {@linkplain
 * #overStreams Over streams}: five TCP and TLS connections (a TCP and a TLS one from the same address and port) and
 * two UDP clients on one server. A connection's messages and garbage go into the bytes its client has written;
 * separate steps let fuzzer-chosen chunks of them arrive, reassembled by {@link StreamReassembler} as a transport
 * would, and every whole frame goes to the server. Connections open and close at fuzzer-chosen moments (writing to a
 * closed one opens it first); one whose framing turns INVALID is closed, as is one the server names in a
 * {@link TurnCommand.CloseClient}, and either way the server hears {@link TurnServer#handleClientClosed}. Time may
 * pass without the timer firing (a late loop), so messages and closes also meet deadlines that are overdue.
 *
 * <p>Checked on every command, against what the session saw of each client: a response goes to an open client that
 * sent a message with its transaction id (on this connection); a Data indication, ChannelBound and
 * AllocationCreated only to an open client (with, resp. without, an allocation); a CloseClient only names an open
 * stream connection without an allocation; while a connection closes nothing but the deletion of its allocation
 * names it, and after that nothing at all, until it opens again.
 */
final class FuzzedServerSession {
    static final String REALM = "example.org";
    static final int LOWEST_PORT = 50_000;
    static final int PORTS = 8;
    private static final long SECOND = 1_000_000_000L;
    /** Longest a deadline may lie ahead: the 1 h maximum lifetime plus slack for nonces and reservations. */
    private static final long MAX_DEADLINE_AHEAD = 2 * 3600 * SECOND;
    private static final String[][] USERS = {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"alice", "not-her-password"}};
    private static final ClientLink[] DATAGRAM_CLIENTS = {
        TestLinks.udp(address("198.51.100.1", 4000)), TestLinks.udp(address("198.51.100.1", 4001)),
        TestLinks.udp(address("198.51.100.2", 4000)), TestLinks.udp(address("2001:db8::1", 4000))};
    /** Index 0-4 streams, 5-6 UDP; 0 and 2 are a TCP and a TLS connection from the same address and port. */
    private static final ClientLink[] MIXED_CLIENTS = {
        TestLinks.tcp(address("198.51.100.1", 4000)), TestLinks.tcp(address("198.51.100.1", 4001)),
        TestLinks.tls(address("198.51.100.1", 4000)), TestLinks.tls(address("2001:db8::1", 4000)),
        TestLinks.tcp(address("198.51.100.2", 4000)),
        TestLinks.udp(address("198.51.100.1", 4000)), TestLinks.udp(address("2001:db8::1", 4000))};
    private static final InetSocketAddress[] PEERS = {
        address("10.0.0.1", 7000), address("10.0.0.2", 7000), address("192.0.2.9", 9), address("2001:db8::99", 7000), address("127.0.0.1", 7000)};
    /** Most bytes one stream step lets arrive. */
    private static final int MAX_CHUNK = 2048;

    /** What the session knows of one client: its connection (on streams), what it sent and what it holds. */
    private static final class Client {
        final ClientLink link;
        /** Always for UDP; for a stream, whether its connection is open (the server was told it connected). */
        boolean open;
        /** While the server is being told the connection closed. */
        boolean closing;
        /** On an open stream: its receive side. */
        @Nullable StreamReassembler reassembler;
        /** On an open stream: bytes the client wrote that have not arrived yet, {@code [0, unsentLength)}. */
        byte[] unsent = new byte[0];
        int unsentLength;
        /** Transaction ids of the messages that arrived from it (on this connection). */
        final Set<TransactionId> sent = new HashSet<>();
        /** Its allocations by AllocationCreated and AllocationDeleted: 0 or 1 (one per 5-tuple). */
        int allocations;
        @Nullable String nonce;

        Client(ClientLink link) {
            this.link = link;
            this.open = !link.isStream();
        }
    }

    private final TurnServer server;
    private final boolean streams;
    private final ClientLink[] links;
    private final Map<ClientLink, Client> clients = new LinkedHashMap<>();
    private final AtomicLong unixSeconds = new AtomicLong(1_700_000_000L);
    private final List<TurnCommand.BindRelaySocket> pendingBinds = new ArrayList<>();
    private final List<Long> reservationTokens = new ArrayList<>();
    private final byte[] lastTransaction = new byte[TransactionId.LENGTH];
    private final ByteBuffer out = ByteBuffer.allocate(4096);
    private long now = 5 * SECOND;
    private boolean autoBind = true;
    /** Whether releaseAll ran: the server forgot the stream connections then. */
    private boolean released;

    /** Four UDP clients. */
    static FuzzedServerSession overDatagrams(long seed) {
        return new FuzzedServerSession(seed, false, false);
    }

    /** TCP, TLS and UDP clients, optionally with one allocation per username (a newer one replaces the older). */
    static FuzzedServerSession overStreams(long seed, boolean oneAllocationPerUsername) {
        return new FuzzedServerSession(seed, true, oneAllocationPerUsername);
    }

    private FuzzedServerSession(long seed, boolean streams, boolean oneAllocationPerUsername) {
        TurnServerConfig config = TurnServerConfig.builder()
                .realm(REALM)
                .software("turnrelay-fuzz")
                .portRange(LOWEST_PORT, LOWEST_PORT + PORTS - 1)
                .publicIpv4(address("203.0.113.10", 0).getAddress())
                .publicIpv6(address("2001:db8::10", 0).getAddress())
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw", "bob", "bob-pw")))
                .peerPolicy(PeerAddressPolicy.builder().allowPrivate(true).build())
                .oneAllocationPerUsername(oneAllocationPerUsername)
                .unixClock(unixSeconds::get)
                .build();
        server = new TurnServer(config, new SplittableRandom(seed));
        this.streams = streams;
        links = streams ? MIXED_CLIENTS : DATAGRAM_CLIENTS;
        for (ClientLink link : links) {
            clients.put(link, new Client(link));
        }
    }

    TurnServer server() {
        return server;
    }

    /** Performs one fuzzer-chosen operation. */
    void step(FuzzedDataProvider data) {
        if (streams) {
            streamStep(data);
        } else {
            datagramStep(data);
        }
    }

    private void datagramStep(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 8)) {
            case 0 -> fromClient(pickClient(data), data.consumeBytes(data.consumeInt(0, 600)));
            case 1 -> fromPeer(data, data.consumeBytes(data.consumeInt(0, 600)));
            case 2, 3 -> {
                Client client = pickClient(data);
                fromClient(client, signedRequest(data, client));
            }
            case 4 -> fromClient(pickClient(data), unsignedRequest(data));
            case 5 -> fromClient(pickClient(data), channelData(data, false));
            case 6 -> advance(data.consumeLong(0, 700 * SECOND), true);
            case 7 -> resolveBind(data.consumeBoolean());
            default -> control(data);
        }
    }

    /**
     * Writes go to a UDP client's server at once and into a stream client's unsent bytes (opening its connection if
     * closed); arrivals hand a stream client's server up to {@link #MAX_CHUNK} of them.
     */
    private void streamStep(FuzzedDataProvider data) {
        int operation = data.consumeInt(0, 11);
        switch (operation) {
            case 0, 1, 2, 3, 4 -> {
                Client client = pickClient(data);
                byte[] bytes = switch (operation) {
                    case 0 -> data.consumeBytes(data.consumeInt(0, 600));
                    case 1, 2 -> signedRequest(data, client);
                    case 3 -> unsignedRequest(data);
                    default -> channelData(data, client.link.isStream());
                };
                write(client, bytes);
            }
            case 5, 6 -> arrive(pickClient(data), data.consumeInt(1, MAX_CHUNK));
            case 7 -> advance(data.consumeLong(0, 700 * SECOND), data.consumeBoolean());
            case 8 -> resolveBind(data.consumeBoolean());
            case 9 -> fromPeer(data, data.consumeBytes(data.consumeInt(0, 600)));
            case 10 -> {
                Client client = pickClient(data);
                if (client.link.isStream() && client.open) {
                    close(client);
                } else if (client.link.isStream()) {
                    open(client);
                }
            }
            default -> control(data);
        }
    }

    private void control(FuzzedDataProvider data) {
        autoBind = data.consumeBoolean();
        if (data.consumeInt(0, 15) == 0) {
            server.stopAccepting();
        }
        if (data.consumeInt(0, 15) == 0) {
            server.releaseAll(now);
            released = true;
            pump();
        }
    }

    void assertInvariants() {
        assertThat(server.stats().allocations()).isBetween(0L, (long) PORTS);
        assertThat(server.stats().permissions()).isNotNegative();
        assertThat(server.stats().channels()).isNotNegative();
        assertThat(ServerProbe.freePorts(server)).isBetween(0, PORTS);
        assertThat((long) ServerProbe.ledgerAllocations(server)).isGreaterThanOrEqualTo(server.stats().allocations());
        for (ClientTransport transport : ClientTransport.values()) {
            long held = clients.values().stream().filter(c -> c.link.transport() == transport).mapToLong(c -> c.allocations).sum();
            assertThat(server.stats().allocations(transport)).as("%s allocations", transport).isEqualTo(held);
        }
        long deadline = server.pollTimeout();
        if (deadline != Long.MAX_VALUE) {
            assertThat(deadline - now).isLessThanOrEqualTo(MAX_DEADLINE_AHEAD);
        }
        assertThat(ServerProbe.guardTrips(server)).isZero();
    }

    /**
     * Answers every pending bind and lets all time pass, then closes the connections still open: nothing may be left
     * held afterwards. By then the server must have asked to close every stream connection (each allocation expired,
     * and a connection without one has the allocate timeout to make one), unless releaseAll made it forget them.
     */
    void drainTime() {
        while (!pendingBinds.isEmpty()) {
            resolveBind(true);
        }
        for (int round = 0; round < 100 && server.pollTimeout() != Long.MAX_VALUE; round++) {
            now = Math.max(now, server.pollTimeout());
            unixSeconds.set(1_700_000_000L + now / SECOND);
            server.handleTimeout(now);
            pump();
            assertThat(server.pollTimeout()).isGreaterThan(now);
            while (!pendingBinds.isEmpty()) {
                resolveBind(true);
            }
        }
        assertThat(server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        for (Client client : clients.values()) {
            if (client.link.isStream() && client.open) {
                assertThat(released).as("%s still open when all time has passed", client.link).isTrue();
                close(client);
            }
        }
        assertThat(server.stats().allocations()).isZero();
        assertThat(ServerProbe.heldObjects(server)).isZero();
        assertThat(ServerProbe.freePorts(server)).isEqualTo(PORTS);
        assertThat(ServerProbe.ledgerAllocations(server)).isZero();
        assertThat(clients.values()).allSatisfy(c -> assertThat(c.allocations).as("allocations of %s", c.link).isZero());
    }

    /** Lets time pass; the timer fires (when something is due) unless the loop is {@code late}. */
    private void advance(long nanos, boolean fire) {
        now += nanos;
        unixSeconds.set(1_700_000_000L + now / SECOND);
        if (fire && now >= server.pollTimeout()) {
            server.handleTimeout(now);
            pump();
            assertThat(server.pollTimeout()).isGreaterThan(now);
        }
    }

    private void resolveBind(boolean bound) {
        if (pendingBinds.isEmpty()) {
            return;
        }
        TurnCommand.BindRelaySocket bind = pendingBinds.remove(0);
        if (bound) {
            server.handleRelaySocketBound(bind.port(), bind.family(), now);
        } else {
            server.handleRelaySocketBindFailed(bind.port(), bind.family(), now);
        }
        pump();
    }

    // ------------------------------------------------------------------------------------------------
    // Connections

    private void write(Client client, byte[] bytes) {
        if (!client.link.isStream()) {
            fromClient(client, bytes);
            return;
        }
        if (!client.open) {
            open(client);
        }
        if (client.unsent.length - client.unsentLength < bytes.length) {
            client.unsent = Arrays.copyOf(client.unsent, Math.max(2 * client.unsent.length, client.unsentLength + bytes.length));
        }
        System.arraycopy(bytes, 0, client.unsent, client.unsentLength, bytes.length);
        client.unsentLength += bytes.length;
    }

    /**
     * Up to {@code most} unsent bytes of a stream client arrive: every frame they complete goes to the server in
     * order, as long as the connection stays open; when the framing says INVALID, the transport closes it.
     */
    private void arrive(Client client, int most) {
        StreamReassembler reassembler = client.reassembler;
        if (reassembler == null || client.unsentLength == 0) {
            return;
        }
        int length = Math.min(most, client.unsentLength);
        List<byte[]> frames = reassembler.feed(client.unsent, 0, length);
        System.arraycopy(client.unsent, length, client.unsent, 0, client.unsentLength - length);
        client.unsentLength -= length;
        for (byte[] frame : frames) {
            if (!client.open) {
                return; // closed by the server meanwhile: the rest is never read
            }
            fromClient(client, frame);
        }
        if (client.open && reassembler.invalid()) {
            close(client);
        }
    }

    private void open(Client client) {
        assertThat(client.open).isFalse();
        client.open = true;
        client.reassembler = new StreamReassembler();
        client.unsentLength = 0;
        client.sent.clear();
        server.handleClientConnected(client.link, now);
        pump();
    }

    /** The connection ends (either side, any reason): the server is told, and its allocation must be gone. */
    private void close(Client client) {
        assertThat(client.open && !client.closing).as("closing %s", client.link).isTrue();
        client.closing = true;
        server.handleClientClosed(client.link, now);
        pump();
        assertThat(client.allocations).as("allocations of closed %s", client.link).isZero();
        client.closing = false;
        client.open = false;
        client.reassembler = null;
        client.unsentLength = 0;
    }

    // ------------------------------------------------------------------------------------------------
    // Messages

    private void fromClient(Client client, byte[] message) {
        if (message.length >= StunMessage.HEADER_LENGTH) {
            // Whatever the server answers must carry the id of something the client sent.
            client.sent.add(TransactionId.of(Arrays.copyOfRange(message, 8, 8 + TransactionId.LENGTH)));
        }
        // Offset 3 inside a larger buffer: the server must honour offset and length, not the buffer's bounds.
        ByteBuffer buffer = ByteBuffer.allocate(message.length + 8);
        buffer.put(3, message);
        RelayAction action = server.handleClientMessage(client.link, buffer, 3, message.length, now);
        checkForwarding(action, 3, message.length);
        if (action == RelayAction.FORWARD_TO_PEER) {
            assertThat(server.forwarding().client()).isEqualTo(client.link);
        }
        pump();
    }

    private void fromPeer(FuzzedDataProvider data, byte[] datagram) {
        InetSocketAddress peer = pick(data, PEERS);
        int relayPort = LOWEST_PORT + data.consumeInt(0, PORTS);
        ByteBuffer buffer = ByteBuffer.allocate(datagram.length + ChannelData.HEADER_LENGTH);
        buffer.put(ChannelData.HEADER_LENGTH, datagram);
        RelayAction action = server.handlePeerDatagram(buffer, ChannelData.HEADER_LENGTH, datagram.length, peer, relayPort, now);
        checkForwarding(action, ChannelData.HEADER_LENGTH, datagram.length);
        if (action == RelayAction.FORWARD_TO_CLIENT) {
            Client client = known(server.forwarding().client());
            assertThat(client.open && !client.closing && client.allocations == 1)
                    .as("ChannelData for %s (open %s, allocations %d)", client.link, client.open, client.allocations).isTrue();
        }
        pump();
    }

    private void checkForwarding(RelayAction action, int offset, int length) {
        if (action == RelayAction.FORWARD_TO_PEER || action == RelayAction.FORWARD_TO_CLIENT) {
            Forwarding f = server.forwarding();
            assertThat(f.payloadOffset()).isGreaterThanOrEqualTo(offset);
            assertThat(f.payloadOffset() + f.payloadLength()).isLessThanOrEqualTo(offset + length);
            assertThat(f.relayPort()).isBetween(LOWEST_PORT, LOWEST_PORT + PORTS - 1);
        }
    }

    /**
     * Drains commands: every message the server sends must decode and go where it may; nonces and tokens are
     * remembered, binds answered (or kept for later), and a CloseClient closes the connection at once, as a transport
     * does.
     */
    private void pump() {
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.BindRelaySocket bind) {
                assertThat(bind.port()).isBetween(LOWEST_PORT, LOWEST_PORT + PORTS - 1);
                if (autoBind) {
                    server.handleRelaySocketBound(bind.port(), bind.family(), now);
                } else {
                    pendingBinds.add(bind);
                }
            } else if (command instanceof TurnCommand.SendToClient send) {
                Client client = reachable(send.client(), command);
                StunMessage message = decodeOwnOutput(send.message());
                assertThat(message.messageClass()).isIn(StunClass.SUCCESS_RESPONSE, StunClass.ERROR_RESPONSE);
                assertThat(client.sent).as("transaction ids %s sent", client.link).contains(message.transactionId());
                if (message.nonce() != null) {
                    client.nonce = message.nonce();
                }
                message.reservationToken().ifPresent(reservationTokens::add);
            } else if (command instanceof TurnCommand.RelayToClient relay) {
                Client client = reachable(relay.client(), command);
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isEqualTo(1);
                StunMessage message = decodeOwnOutput(relay.message());
                assertThat(message.messageClass()).isEqualTo(StunClass.INDICATION);
                assertThat(message.method()).isEqualTo(StunMethod.DATA);
            } else if (command instanceof TurnCommand.CloseClient close) {
                Client client = reachable(close.client(), command);
                assertThat(client.link.isStream()).as("CloseClient for %s", client.link).isTrue();
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isZero();
                close(client);
            } else if (command instanceof TurnCommand.AllocationCreated created) {
                Client client = reachable(created.client(), command);
                assertThat(created.port()).isBetween(LOWEST_PORT, LOWEST_PORT + PORTS - 1);
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isZero();
                client.allocations = 1;
            } else if (command instanceof TurnCommand.AllocationDeleted deleted) {
                Client client = deletable(deleted.client(), command);
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isEqualTo(1);
                client.allocations = 0;
            } else if (command instanceof TurnCommand.ChannelBound bound) {
                Client client = reachable(bound.client(), command);
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isEqualTo(1);
            } else if (command instanceof TurnCommand.ChannelUnbound unbound) {
                Client client = deletable(unbound.client(), command);
                assertThat(client.allocations).as("allocations of %s, sent %s", client.link, command).isEqualTo(1);
            }
        }
    }

    private Client known(ClientLink link) {
        Client client = clients.get(link);
        assertThat(client).as("a client the session has: %s", link).isNotNull();
        return client;
    }

    /** The client {@code command} names, which must be open and not closing. */
    private Client reachable(ClientLink link, TurnCommand command) {
        Client client = known(link);
        assertThat(client.open && !client.closing)
                .as("%s for %s (open %s, closing %s)", command, link, client.open, client.closing).isTrue();
        return client;
    }

    /** The client an allocation's deletion names: open, or being closed. */
    private Client deletable(ClientLink link, TurnCommand command) {
        Client client = known(link);
        assertThat(client.open).as("%s for the closed %s", command, link).isTrue();
        return client;
    }

    private static StunMessage decodeOwnOutput(byte[] bytes) {
        try {
            return StunMessage.parse(bytes, 0, bytes.length);
        } catch (StunDecodeException e) {
            throw new AssertionError("the server emitted a message its own decoder refuses", e);
        }
    }

    private Client pickClient(FuzzedDataProvider data) {
        return clients.get(pick(data, links));
    }

    private byte[] signedRequest(FuzzedDataProvider data, Client client) {
        String[] user = pick(data, USERS);
        int keyMode = data.consumeInt(0, 2);
        boolean indication = false;
        int method = switch (data.consumeInt(0, 5)) {
            case 0 -> StunMethod.ALLOCATE;
            case 1 -> StunMethod.REFRESH;
            case 2 -> StunMethod.CREATE_PERMISSION;
            case 3 -> StunMethod.CHANNEL_BIND;
            case 4 -> {
                indication = true;
                yield StunMethod.SEND;
            }
            default -> StunMethod.BINDING;
        };
        StunMessageWriter w = start(data, indication ? StunClass.INDICATION : StunClass.REQUEST, method);
        methodAttributes(data, w, method);
        w.username(user[0]).realm(REALM);
        String nonce = switch (data.consumeInt(0, 3)) {
            case 0 -> pickClient(data).nonce;
            case 1 -> data.consumeAsciiString(40);
            case 2 -> null;
            default -> client.nonce;
        };
        if (nonce != null && !nonce.isEmpty()) {
            w.nonce(nonce);
        }
        if (keyMode == 2) {
            w.passwordAlgorithms(List.of(
                    new PasswordAlgorithmEntry(PasswordAlgorithmEntry.MD5, new byte[0]),
                    new PasswordAlgorithmEntry(PasswordAlgorithmEntry.SHA256, new byte[0])));
            w.passwordAlgorithm(new PasswordAlgorithmEntry(PasswordAlgorithmEntry.SHA256, new byte[0]));
        }
        byte[] key = digest(keyMode == 2 ? "SHA-256" : "MD5", user[0] + ":" + REALM + ":" + user[1]);
        StunMessageWriter.Signed signed = keyMode == 0 ? w.messageIntegrity(key) : w.messageIntegritySha256(key);
        int length = data.consumeBoolean() ? signed.finishWithFingerprint() : signed.finish();
        return written(length);
    }

    private byte[] unsignedRequest(FuzzedDataProvider data) {
        int method = data.consumeBoolean() ? StunMethod.ALLOCATE : data.consumeInt(0, 0xFFF);
        StunMessageWriter w = start(data, data.consumeBoolean() ? StunClass.REQUEST : StunClass.INDICATION, method);
        methodAttributes(data, w, method);
        int length = data.consumeBoolean() ? w.finishWithFingerprint() : w.finish();
        return written(length);
    }

    private StunMessageWriter start(FuzzedDataProvider data, StunClass messageClass, int method) {
        if (data.consumeBoolean()) {
            // A fresh transaction; otherwise a retransmission of the previous one.
            byte[] id = data.consumeBytes(TransactionId.LENGTH);
            Arrays.fill(lastTransaction, (byte) 0);
            System.arraycopy(id, 0, lastTransaction, 0, id.length);
        }
        out.clear();
        return StunMessageWriter.start(out, messageClass, method, TransactionId.of(lastTransaction));
    }

    private void methodAttributes(FuzzedDataProvider data, StunMessageWriter w, int method) {
        switch (method) {
            case StunMethod.ALLOCATE -> {
                w.requestedTransport(data.consumeBoolean() ? 17 : data.consumeInt(0, 255));
                if (data.consumeBoolean()) {
                    w.lifetime(data.consumeLong(0, 0xFFFF_FFFFL));
                }
                if (data.consumeBoolean()) {
                    w.requestedAddressFamily(pick(data, AddressFamily.values()));
                }
                if (data.consumeBoolean()) {
                    w.additionalAddressFamily(pick(data, AddressFamily.values()));
                }
                if (data.consumeBoolean()) {
                    w.evenPort(data.consumeBoolean());
                }
                if (data.consumeBoolean()) {
                    w.reservationToken(reservationTokens.isEmpty() || data.consumeBoolean()
                            ? data.consumeLong() : reservationTokens.get(data.consumeInt(0, reservationTokens.size() - 1)));
                }
                if (data.consumeBoolean()) {
                    w.dontFragment();
                }
            }
            case StunMethod.REFRESH -> {
                if (data.consumeBoolean()) {
                    w.lifetime(data.consumeLong(0, 4000));
                }
                if (data.consumeBoolean()) {
                    w.requestedAddressFamily(pick(data, AddressFamily.values()));
                }
            }
            case StunMethod.CREATE_PERMISSION -> {
                int peers = data.consumeInt(0, 3);
                for (int i = 0; i < peers; i++) {
                    w.xorPeerAddress(pick(data, PEERS));
                }
            }
            case StunMethod.CHANNEL_BIND -> {
                if (data.consumeBoolean()) {
                    w.channelNumber(data.consumeBoolean() ? data.consumeInt(0x3FFE, 0x4003) : data.consumeInt(0, 0xFFFF));
                }
                if (data.consumeBoolean()) {
                    w.xorPeerAddress(pick(data, PEERS));
                }
            }
            case StunMethod.SEND -> {
                if (data.consumeBoolean()) {
                    w.xorPeerAddress(pick(data, PEERS));
                }
                if (data.consumeBoolean()) {
                    byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
                    w.data(payload, 0, payload.length);
                }
                if (data.consumeBoolean()) {
                    w.dontFragment();
                }
            }
            default -> {
                if (data.consumeBoolean()) {
                    w.rawAttribute(data.consumeInt(0, 0xFFFF), data.consumeBytes(data.consumeInt(0, 64)));
                }
            }
        }
    }

    /**
     * A ChannelData message, its Length field true or not, with 0-3 bytes after the payload; on a {@code stream},
     * often exactly the padding a stream writer puts there.
     */
    private byte[] channelData(FuzzedDataProvider data, boolean stream) {
        int channel = data.consumeBoolean() ? data.consumeInt(0x4000, 0x4003) : data.consumeInt(0, 0xFFFF);
        byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
        int declared = data.consumeBoolean() ? payload.length : data.consumeInt(0, 0xFFFF);
        int padding = stream && data.consumeBoolean() ? StreamFraming.padding(payload.length) : data.consumeInt(0, 3);
        ByteBuffer frame = ByteBuffer.allocate(ChannelData.HEADER_LENGTH + payload.length + padding);
        frame.putShort((short) channel).putShort((short) declared).put(payload);
        return frame.array();
    }

    private byte[] written(int length) {
        return Arrays.copyOf(out.array(), length);
    }

    private static <T> T pick(FuzzedDataProvider data, T[] choices) {
        return choices[data.consumeInt(0, choices.length - 1)];
    }

    private static byte[] digest(String algorithm, String input) {
        try {
            return MessageDigest.getInstance(algorithm).digest(input.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static InetSocketAddress address(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
