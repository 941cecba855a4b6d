package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.TransactionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A minimal TURN client for tests, written from the RFC rather than from the server: it signs requests
 * with the long-term key it derives itself and, when told 401/438, retries once with the new nonce.
 */
final class TestClient {
    final TurnHarness harness;
    final InetSocketAddress address;
    /** The 5-tuple it sends from: UDP from {@link #address} unless made for another transport. */
    final ClientLink link;
    String username;
    String password;
    String realm = TurnHarness.REALM;
    @Nullable String nonce;
    boolean sha256Integrity;
    boolean sha256Key;
    boolean useUserhash;
    boolean fingerprint;
    /** Whether to echo PASSWORD-ALGORITHMS and send PASSWORD-ALGORITHM (RFC 8489 §9.2.3.2). */
    boolean negotiateAlgorithm;
    private int nextId = 1;
    private final byte[] idPrefix;

    TestClient(TurnHarness harness, InetSocketAddress address, String username, String password) {
        this(harness, TestLinks.udp(address), username, password);
    }

    /** A client on {@code link}'s transport, e.g. {@code TestLinks.tcp(address)}. */
    TestClient(TurnHarness harness, ClientLink link, String username, String password) {
        this.harness = harness;
        this.link = link;
        InetSocketAddress address = link.remote();
        this.address = address;
        this.username = username;
        this.password = password;
        this.idPrefix = Arrays.copyOf(address.toString().getBytes(StandardCharsets.UTF_8), 8);
    }

    TransactionId newTransactionId() {
        byte[] id = Arrays.copyOf(idPrefix, TransactionId.LENGTH);
        int n = nextId++;
        id[8] = (byte) (n >>> 24);
        id[9] = (byte) (n >>> 16);
        id[10] = (byte) (n >>> 8);
        id[11] = (byte) n;
        return TransactionId.of(id);
    }

    byte[] key() {
        String input = username + ":" + realm + ":" + password;
        return digest(sha256Key ? "SHA-256" : "MD5", input);
    }

    static byte[] digest(String algorithm, String input) {
        try {
            return MessageDigest.getInstance(algorithm).digest(input.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Encodes a request; signed (with the current nonce) when {@code signed}. */
    byte[] encode(int method, TransactionId id, boolean signed, Consumer<StunMessageWriter> attributes) {
        return encodeAs(StunClass.REQUEST, method, id, signed, attributes);
    }

    byte[] encodeAs(StunClass messageClass, int method, TransactionId id, boolean signed, Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, messageClass, method, id);
        attributes.accept(writer);
        int length;
        if (signed) {
            if (useUserhash) {
                writer.userhash(digest("SHA-256", username + ":" + realm));
            } else {
                writer.username(username);
            }
            writer.realm(realm);
            if (nonce != null) {
                writer.nonce(nonce);
            }
            if (negotiateAlgorithm) {
                writer.passwordAlgorithms(List.of(
                        new PasswordAlgorithmEntry(PasswordAlgorithmEntry.MD5, new byte[0]),
                        new PasswordAlgorithmEntry(PasswordAlgorithmEntry.SHA256, new byte[0])));
                writer.passwordAlgorithm(new PasswordAlgorithmEntry(
                        sha256Key ? PasswordAlgorithmEntry.SHA256 : PasswordAlgorithmEntry.MD5, new byte[0]));
            }
            StunMessageWriter.Signed s = sha256Integrity ? writer.messageIntegritySha256(key()) : writer.messageIntegrity(key());
            length = fingerprint ? s.finishWithFingerprint() : s.finish();
        } else {
            length = fingerprint ? writer.finishWithFingerprint() : writer.finish();
        }
        return Arrays.copyOf(out.array(), length);
    }

    /** Sends one datagram and returns the single response to it (fails if there is not exactly one). */
    StunMessage send(byte[] datagram) {
        harness.fromClient(link, datagram);
        List<StunMessage> answers = harness.messagesTo(link);
        if (answers.size() != 1) {
            throw new AssertionError("expected one answer, got " + answers.size());
        }
        return answers.get(0);
    }

    /** A signed request; on 401/438 carrying a NONCE it learns the nonce and retries once. */
    StunMessage request(int method, Consumer<StunMessageWriter> attributes) {
        StunMessage response = send(encode(method, newTransactionId(), nonce != null, attributes));
        if (response.messageClass() == StunClass.ERROR_RESPONSE && response.nonce() != null) {
            int code = response.errorCode() == null ? 0 : response.errorCode().code();
            if (code == ErrorCode.UNAUTHENTICATED || code == ErrorCode.STALE_NONCE) {
                nonce = response.nonce();
                response = send(encode(method, newTransactionId(), true, attributes));
            }
        }
        return response;
    }

    StunMessage allocate(Consumer<StunMessageWriter> attributes) {
        return request(io.turnrelay.core.stun.StunMethod.ALLOCATE, w -> {
            w.requestedTransport(17);
            attributes.accept(w);
        });
    }

    StunMessage allocate() {
        return allocate(w -> {});
    }

    /** Allocates (IPv4) and returns the relay port. */
    int allocatePort() {
        StunMessage response = allocate();
        if (response.messageClass() != StunClass.SUCCESS_RESPONSE) {
            throw new AssertionError("allocate failed: " + response.errorCode());
        }
        return response.xorRelayedAddresses().get(0).getPort();
    }

    StunMessage refresh(long lifetime) {
        return request(io.turnrelay.core.stun.StunMethod.REFRESH, w -> w.lifetime(lifetime));
    }

    StunMessage createPermission(InetSocketAddress... peers) {
        return request(io.turnrelay.core.stun.StunMethod.CREATE_PERMISSION, w -> {
            for (InetSocketAddress peer : peers) {
                w.xorPeerAddress(peer);
            }
        });
    }

    StunMessage channelBind(int channel, InetSocketAddress peer) {
        return request(io.turnrelay.core.stun.StunMethod.CHANNEL_BIND, w -> w.channelNumber(channel).xorPeerAddress(peer));
    }

    /** Whether a response verifies under this client's key with the integrity kind it used. */
    boolean verifies(StunMessage response) {
        return sha256Integrity ? response.verifyMessageIntegritySha256(key()) : response.verifyMessageIntegrity(key());
    }

    static int code(StunMessage response) {
        ErrorCode error = response.errorCode();
        return response.messageClass() == StunClass.SUCCESS_RESPONSE ? 0 : error == null ? -1 : error.code();
    }

    static boolean hasAttribute(StunMessage message, int type) {
        return message.has(type);
    }

    static final int SOFTWARE = AttributeType.SOFTWARE;
}
