package io.turnrelay.core.oracle;

import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.ice4j.StunException;
import org.ice4j.attribute.Attribute;
import org.ice4j.attribute.ErrorCodeAttribute;
import org.ice4j.message.Message;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * ice4j as an independent codec oracle: every message the server emits across scenarios covering each method,
 * success and error responses and Data indications must decode in ice4j's {@link Message#decode} with the same
 * type, transaction id, error code and integrity/fingerprint attributes as our own decoder sees.
 */
class Ice4jCodecOracleTest {
    private static final String REALM = "example.org";
    private static final long SECOND = 1_000_000_000L;
    private static final InetSocketAddress PEER = address("10.0.0.1", 7000);
    private static final InetSocketAddress FORBIDDEN_PEER = address("127.0.0.1", 7000);

    private final TurnServer server = new TurnServer(TurnServerConfig.builder()
            .realm(REALM)
            .software("turnrelay-oracle")
            .portRange(50000, 50009)
            .publicIpv4(address("203.0.113.10", 0).getAddress())
            .publicIpv6(address("2001:db8::10", 0).getAddress())
            .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw", "bob", "bob-pw")))
            .peerPolicy(PeerAddressPolicy.builder().allowPrivate(true).build())
            .unixClock(() -> 1_700_000_000L)
            .build(), new SplittableRandom(11));
    private final List<byte[]> emitted = new ArrayList<>();
    private final SplittableRandom ids = new SplittableRandom(5);
    private long now = 5 * SECOND;

    @Test
    void everyMessageTheServerEmitsDecodesInIce4jWithTheSameHeaderAndIntegrity() throws Exception {
        Client alice = new Client(address("198.51.100.1", 4000), "alice", "alice-pw", false);
        Client bob = new Client(address("2001:db8::1", 4000), "bob", "bob-pw", true);
        Client mallory = new Client(address("198.51.100.66", 4000), "alice", "wrong", false);

        for (Client c : List.of(alice, bob)) {
            c.unsigned(StunMethod.BINDING, w -> {});
            c.unsigned(StunMethod.ALLOCATE, w -> w.requestedTransport(17)); // 401 with nonce
            c.signed(StunMethod.ALLOCATE, w -> w.requestedTransport(17).lifetime(600)
                    .additionalAddressFamily(AddressFamily.IPV6));
            c.signed(StunMethod.REFRESH, w -> w.lifetime(300));
            c.signed(StunMethod.CREATE_PERMISSION, w -> w.xorPeerAddress(PEER));
            c.signed(StunMethod.CREATE_PERMISSION, w -> w.xorPeerAddress(FORBIDDEN_PEER)); // 403
            c.signed(StunMethod.CHANNEL_BIND, w -> w.channelNumber(0x4001).xorPeerAddress(PEER));
            c.signed(StunMethod.CHANNEL_BIND, w -> w.channelNumber(0x1234).xorPeerAddress(PEER)); // 400
            c.signed(StunMethod.ALLOCATE, w -> w.requestedTransport(17)); // 437 mismatch
            c.signed(StunMethod.ALLOCATE, w -> w.rawAttribute(0x0077, new byte[4])); // 420
            c.unsignedWith(StunClass.REQUEST, 0x0F0, w -> {}); // unknown method
        }
        mallory.unsigned(StunMethod.ALLOCATE, w -> w.requestedTransport(17));
        mallory.signed(StunMethod.ALLOCATE, w -> w.requestedTransport(17)); // 401, wrong password
        mallory.signed(StunMethod.REFRESH, w -> w.lifetime(300)); // 437 or 401
        alice.nonce = "stale-or-forged";
        alice.signed(StunMethod.REFRESH, w -> w.lifetime(300));

        // Data indication: a peer without a channel, but with a permission, of a client with an allocation.
        Client carol = new Client(address("198.51.100.3", 4000), "alice", "alice-pw", false);
        carol.unsigned(StunMethod.ALLOCATE, w -> w.requestedTransport(17));
        carol.signed(StunMethod.ALLOCATE, w -> w.requestedTransport(17));
        carol.signed(StunMethod.CREATE_PERMISSION, w -> w.xorPeerAddress(address("10.0.0.2", 9)));
        int carolPort = carol.relayPort;
        byte[] peerPayload = "hello from a peer".getBytes(StandardCharsets.UTF_8);
        server.handlePeerDatagram(ByteBuffer.wrap(peerPayload), 0, peerPayload.length, address("10.0.0.2", 9), carolPort, now);
        pump();
        carol.signed(StunMethod.REFRESH, w -> w.lifetime(0));
        now += 3600 * SECOND;
        server.handleTimeout(now);
        pump();

        Set<String> kinds = new HashSet<>();
        for (byte[] bytes : emitted) {
            StunMessage ours = StunMessage.parse(bytes, 0, bytes.length);
            Message theirs;
            try {
                theirs = Message.decode(bytes, 0, bytes.length);
            } catch (StunException e) {
                throw new AssertionError("ice4j refuses " + ours, e);
            }
            int ourType = ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
            assertThat((int) theirs.getMessageType()).as("type of %s", ours).isEqualTo(ourType);
            assertThat(theirs.getTransactionID()).as("transaction of %s", ours).isEqualTo(ours.transactionId().toBytes());
            assertThat(theirs.getAttribute(Attribute.MESSAGE_INTEGRITY) != null).as("MESSAGE-INTEGRITY in %s", ours)
                    .isEqualTo(ours.hasMessageIntegrity());
            assertThat(theirs.getAttribute(Attribute.FINGERPRINT) != null).as("FINGERPRINT in %s", ours)
                    .isEqualTo(ours.hasFingerprint());
            if (ours.errorCode() != null) {
                ErrorCodeAttribute error = (ErrorCodeAttribute) theirs.getAttribute(Attribute.ERROR_CODE);
                assertThat(error).isNotNull();
                assertThat((int) error.getErrorCode()).isEqualTo(ours.errorCode().code());
                kinds.add(ours.method() + "/" + ours.errorCode().code());
            } else {
                kinds.add(ours.method() + "/" + ours.messageClass());
            }
            if (ours.xorRelayedAddresses().size() > 0) {
                assertThat(theirs.getAttribute(Attribute.XOR_RELAYED_ADDRESS)).isNotNull();
            }
        }
        // The scenarios really produced the variety they claim to.
        assertThat(kinds).contains(
                StunMethod.BINDING + "/" + StunClass.SUCCESS_RESPONSE,
                StunMethod.ALLOCATE + "/" + StunClass.SUCCESS_RESPONSE,
                StunMethod.ALLOCATE + "/401", StunMethod.ALLOCATE + "/437", StunMethod.ALLOCATE + "/420",
                StunMethod.REFRESH + "/" + StunClass.SUCCESS_RESPONSE,
                StunMethod.CREATE_PERMISSION + "/" + StunClass.SUCCESS_RESPONSE, StunMethod.CREATE_PERMISSION + "/403",
                StunMethod.CHANNEL_BIND + "/" + StunClass.SUCCESS_RESPONSE, StunMethod.CHANNEL_BIND + "/400",
                StunMethod.DATA + "/" + StunClass.INDICATION);
    }

    private void pump() throws StunDecodeException {
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.BindRelaySocket bind) {
                server.handleRelaySocketBound(bind.port(), bind.family(), now);
            } else if (command instanceof TurnCommand.SendToClient send) {
                emitted.add(send.message());
            } else if (command instanceof TurnCommand.RelayToClient relay) {
                emitted.add(relay.message());
            }
        }
    }

    /** A scripted client that remembers the nonce and relay port it was given. */
    private final class Client {
        final InetSocketAddress address;
        final String username;
        final byte[] key;
        final boolean sha256Integrity;
        @Nullable String nonce;
        int relayPort;

        Client(InetSocketAddress address, String username, String password, boolean sha256Integrity) throws Exception {
            this.address = address;
            this.username = username;
            this.key = MessageDigest.getInstance("MD5").digest((username + ":" + REALM + ":" + password).getBytes(StandardCharsets.UTF_8));
            this.sha256Integrity = sha256Integrity;
        }

        void unsigned(int method, Consumer<StunMessageWriter> attributes) throws StunDecodeException {
            unsignedWith(StunClass.REQUEST, method, attributes);
        }

        void unsignedWith(StunClass messageClass, int method, Consumer<StunMessageWriter> attributes) throws StunDecodeException {
            ByteBuffer out = ByteBuffer.allocate(1500);
            StunMessageWriter w = StunMessageWriter.start(out, messageClass, method, newId());
            attributes.accept(w);
            send(Arrays.copyOf(out.array(), w.finishWithFingerprint()));
        }

        void signed(int method, Consumer<StunMessageWriter> attributes) throws StunDecodeException {
            ByteBuffer out = ByteBuffer.allocate(1500);
            StunMessageWriter w = StunMessageWriter.start(out, StunClass.REQUEST, method, newId());
            attributes.accept(w);
            w.username(username).realm(REALM);
            if (nonce != null) {
                w.nonce(nonce);
            }
            StunMessageWriter.Signed s = sha256Integrity ? w.messageIntegritySha256(key) : w.messageIntegrity(key);
            send(Arrays.copyOf(out.array(), s.finishWithFingerprint()));
        }

        private void send(byte[] request) throws StunDecodeException {
            int before = emitted.size();
            server.handleClientMessage(TestLinks.udp(address), ByteBuffer.wrap(request), 0, request.length, now);
            pump();
            for (byte[] response : emitted.subList(before, emitted.size())) {
                StunMessage message = StunMessage.parse(response, 0, response.length);
                if (message.nonce() != null) {
                    nonce = message.nonce();
                }
                if (!message.xorRelayedAddresses().isEmpty()) {
                    relayPort = message.xorRelayedAddresses().get(0).getPort();
                }
            }
        }

        private TransactionId newId() {
            byte[] id = new byte[TransactionId.LENGTH];
            ids.nextBytes(id);
            return TransactionId.of(id);
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
