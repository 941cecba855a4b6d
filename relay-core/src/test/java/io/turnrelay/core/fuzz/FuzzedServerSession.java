package io.turnrelay.core.fuzz;

import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@link TurnServer} with a small port range, fed by a {@link FuzzedDataProvider} one step at a time. Requests
 * the fuzzer could never forge (valid MESSAGE-INTEGRITY over a fresh nonce) are built here from fuzzed fields, with
 * the nonce each client last received, so every authenticated path is reachable.
 */
final class FuzzedServerSession {
    static final String REALM = "example.org";
    static final int LOWEST_PORT = 50_000;
    static final int PORTS = 8;
    private static final long SECOND = 1_000_000_000L;
    /** Longest a deadline may lie ahead: the 1 h maximum lifetime plus slack for nonces and reservations. */
    private static final long MAX_DEADLINE_AHEAD = 2 * 3600 * SECOND;
    private static final String[][] USERS = {{"alice", "alice-pw"}, {"bob", "bob-pw"}, {"alice", "not-her-password"}};
    private static final InetSocketAddress[] CLIENTS = {
        address("198.51.100.1", 4000), address("198.51.100.1", 4001), address("198.51.100.2", 4000), address("2001:db8::1", 4000)};
    private static final InetSocketAddress[] PEERS = {
        address("10.0.0.1", 7000), address("10.0.0.2", 7000), address("192.0.2.9", 9), address("2001:db8::99", 7000), address("127.0.0.1", 7000)};

    private final TurnServer server;
    private final AtomicLong unixSeconds = new AtomicLong(1_700_000_000L);
    private final Map<InetSocketAddress, String> nonces = new HashMap<>();
    private final List<TurnCommand.BindRelaySocket> pendingBinds = new ArrayList<>();
    private final List<Long> reservationTokens = new ArrayList<>();
    private final byte[] lastTransaction = new byte[TransactionId.LENGTH];
    private final ByteBuffer out = ByteBuffer.allocate(4096);
    private long now = 5 * SECOND;
    private boolean autoBind = true;

    FuzzedServerSession(long seed) {
        TurnServerConfig config = TurnServerConfig.builder()
                .realm(REALM)
                .software("turnrelay-fuzz")
                .portRange(LOWEST_PORT, LOWEST_PORT + PORTS - 1)
                .publicIpv4(address("203.0.113.10", 0).getAddress())
                .publicIpv6(address("2001:db8::10", 0).getAddress())
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw", "bob", "bob-pw")))
                .peerPolicy(PeerAddressPolicy.builder().allowPrivate(true).build())
                .unixClock(unixSeconds::get)
                .build();
        server = new TurnServer(config, new SplittableRandom(seed));
    }

    TurnServer server() {
        return server;
    }

    /** Performs one fuzzer-chosen operation. */
    void step(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 8)) {
            case 0 -> fromClient(pick(data, CLIENTS), data.consumeBytes(data.consumeInt(0, 600)));
            case 1 -> fromPeer(data, data.consumeBytes(data.consumeInt(0, 600)));
            case 2, 3 -> {
                InetSocketAddress client = pick(data, CLIENTS);
                fromClient(client, signedRequest(data, client));
            }
            case 4 -> fromClient(pick(data, CLIENTS), unsignedRequest(data));
            case 5 -> fromClient(pick(data, CLIENTS), channelData(data));
            case 6 -> advance(data.consumeLong(0, 700 * SECOND));
            case 7 -> resolveBind(data.consumeBoolean());
            default -> {
                autoBind = data.consumeBoolean();
                if (data.consumeInt(0, 15) == 0) {
                    server.stopAccepting();
                }
                if (data.consumeInt(0, 15) == 0) {
                    server.releaseAll(now);
                    pump();
                }
            }
        }
    }

    void assertInvariants() {
        assertThat(server.stats().allocations()).isBetween(0L, (long) PORTS);
        assertThat(server.stats().permissions()).isNotNegative();
        assertThat(server.stats().channels()).isNotNegative();
        assertThat(ServerProbe.freePorts(server)).isBetween(0, PORTS);
        assertThat((long) ServerProbe.ledgerAllocations(server)).isGreaterThanOrEqualTo(server.stats().allocations());
        long deadline = server.pollTimeout();
        if (deadline != Long.MAX_VALUE) {
            assertThat(deadline - now).isLessThanOrEqualTo(MAX_DEADLINE_AHEAD);
        }
        assertThat(ServerProbe.guardTrips(server)).isZero();
    }

    /** Answers every pending bind and lets all time pass: nothing may be left held afterwards. */
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
        assertThat(server.stats().allocations()).isZero();
        assertThat(ServerProbe.heldObjects(server)).isZero();
        assertThat(ServerProbe.freePorts(server)).isEqualTo(PORTS);
        assertThat(ServerProbe.ledgerAllocations(server)).isZero();
    }

    private void advance(long nanos) {
        now += nanos;
        unixSeconds.set(1_700_000_000L + now / SECOND);
        if (now >= server.pollTimeout()) {
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

    private void fromClient(InetSocketAddress client, byte[] datagram) {
        // Offset 3 inside a larger buffer: the server must honour offset and length, not the buffer's bounds.
        ByteBuffer buffer = ByteBuffer.allocate(datagram.length + 8);
        buffer.put(3, datagram);
        RelayAction action = server.handleClientMessage(TestLinks.udp(client), buffer, 3, datagram.length, now);
        checkForwarding(action, 3, datagram.length);
        pump();
    }

    private void fromPeer(FuzzedDataProvider data, byte[] datagram) {
        InetSocketAddress peer = pick(data, PEERS);
        int relayPort = LOWEST_PORT + data.consumeInt(0, PORTS);
        ByteBuffer buffer = ByteBuffer.allocate(datagram.length + ChannelData.HEADER_LENGTH);
        buffer.put(ChannelData.HEADER_LENGTH, datagram);
        RelayAction action = server.handlePeerDatagram(buffer, ChannelData.HEADER_LENGTH, datagram.length, peer, relayPort, now);
        checkForwarding(action, ChannelData.HEADER_LENGTH, datagram.length);
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

    /** Drains commands: every message the server sends must decode; nonces and tokens are remembered. */
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
                StunMessage message = decodeOwnOutput(send.message());
                if (message.nonce() != null) {
                    nonces.put(send.client().remote(), message.nonce());
                }
                message.reservationToken().ifPresent(reservationTokens::add);
            } else if (command instanceof TurnCommand.RelayToClient relay) {
                decodeOwnOutput(relay.message());
            }
        }
    }

    private static StunMessage decodeOwnOutput(byte[] bytes) {
        try {
            return StunMessage.parse(bytes, 0, bytes.length);
        } catch (StunDecodeException e) {
            throw new AssertionError("the server emitted a message its own decoder refuses", e);
        }
    }

    private byte[] signedRequest(FuzzedDataProvider data, InetSocketAddress client) {
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
            case 0 -> nonces.get(pick(data, CLIENTS));
            case 1 -> data.consumeAsciiString(40);
            case 2 -> null;
            default -> nonces.get(client);
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

    private byte[] channelData(FuzzedDataProvider data) {
        int channel = data.consumeBoolean() ? data.consumeInt(0x4000, 0x4003) : data.consumeInt(0, 0xFFFF);
        byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
        int declared = data.consumeBoolean() ? payload.length : data.consumeInt(0, 0xFFFF);
        int padding = data.consumeInt(0, 3);
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
