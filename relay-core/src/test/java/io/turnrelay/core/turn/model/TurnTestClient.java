package io.turnrelay.core.turn.model;

import static io.turnrelay.core.turn.model.ServerHarness.check;

import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunDecodeException;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A minimal TURN client written from the RFCs rather than from the server: it sends a request unsigned
 * first, takes REALM and NONCE from the 401, signs with the long-term key MD5(user:realm:password) from
 * then on, and follows a 438 with the fresh NONCE. A client that {@code prefersSha256} negotiates as
 * RFC 8489 §9.2.4 describes instead: when the nonce starts with the "obMatJos2" cookie and the 401 offers
 * SHA-256 in PASSWORD-ALGORITHMS, it echoes that list, names SHA-256 in PASSWORD-ALGORITHM and signs
 * with MESSAGE-INTEGRITY-SHA256 under SHA-256(user:realm:password). It checks that each request gets exactly one response,
 * to its own address, with its transaction id, and that success responses carry valid integrity.
 */
final class TurnTestClient {
    static final int UDP = 17;
    private static final int MAX_ATTEMPTS = 3;

    /** The final answer to a request, after any authentication round trips. */
    record Response(StunMessage message, int bindFailures) {
        boolean isSuccess() {
            return message.messageClass() == StunClass.SUCCESS_RESPONSE;
        }

        int errorCode() {
            ErrorCode error = message.errorCode();
            return error == null ? 0 : error.code();
        }

        /** 0 for success, else the error code. */
        int code() {
            return isSuccess() ? 0 : errorCode();
        }
    }

    private final int index;
    private final InetSocketAddress address;
    private final Map<String, String> passwords;
    private final boolean withFingerprint;
    private final boolean prefersSha256;
    private List<PasswordAlgorithmEntry> offeredAlgorithms = List.of();
    private boolean usingSha256;
    private @Nullable String realm;
    private @Nullable String nonce;
    private int transactions;
    private int staleNonces;
    private byte[] lastRequest = new byte[0];

    TurnTestClient(int index, InetSocketAddress address, Map<String, String> passwords, boolean withFingerprint,
            boolean prefersSha256) {
        this.index = index;
        this.prefersSha256 = prefersSha256;
        this.address = address;
        this.passwords = passwords;
        this.withFingerprint = withFingerprint;
    }

    InetSocketAddress address() {
        return address;
    }

    /** Whether requests are signed with MESSAGE-INTEGRITY-SHA256 (negotiated), rather than MESSAGE-INTEGRITY. */
    boolean signsWithSha256() {
        return usingSha256;
    }

    /** How many 438 answers this client has followed with the fresh nonce. */
    int staleNonces() {
        return staleNonces;
    }

    /** The bytes of the last request this client sent, for mutation into garbage. */
    byte[] lastRequest() {
        return lastRequest.clone();
    }

    Response request(ServerHarness harness, int method, String username, Consumer<StunMessageWriter> attributes) {
        int bindFailures = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            boolean signed = nonce != null;
            TransactionId transactionId = nextTransactionId();
            byte[] request = encode(method, transactionId, signed ? username : null, attributes);
            lastRequest = request;
            ServerHarness.Outcome outcome = harness.fromClient(address, request);
            bindFailures += outcome.bindFailures();
            check(outcome.action() == RelayAction.HANDLED,
                    StunMethod.name(method) + " request gave " + outcome.action() + " instead of HANDLED");
            StunMessage response = onlyResponse(outcome.sentToClients(), transactionId, method);
            int code = response.messageClass() == StunClass.ERROR_RESPONSE ? errorCodeOf(response) : 0;
            if (!signed) {
                check(code == ErrorCode.UNAUTHENTICATED,
                        "unsigned " + StunMethod.name(method) + " got " + code + " instead of 401");
                check(response.realm() != null && response.nonce() != null, "401 without REALM or NONCE");
                realm = response.realm();
                nonce = response.nonce();
                negotiate(response);
                continue;
            }
            if (code == ErrorCode.STALE_NONCE) {
                staleNonces++;
                check(response.nonce() != null, "438 without NONCE");
                check(!response.nonce().equals(nonce), "438 repeats the stale NONCE");
                nonce = response.nonce();
                if (response.realm() != null) {
                    realm = response.realm();
                }
                negotiate(response);
                continue;
            }
            check(code != ErrorCode.UNAUTHENTICATED, StunMethod.name(method) + " signed by " + username
                    + " with the right password got 401");
            if (code == 0 && usingSha256) {
                check(response.hasMessageIntegritySha256() && response.verifyMessageIntegritySha256(sha256Key(username)),
                        "success response to a SHA-256 signed request without valid MESSAGE-INTEGRITY-SHA256");
                check(!withFingerprint || (response.hasFingerprint() && response.verifyFingerprint()),
                        "request had FINGERPRINT but the success response has no valid one");
            } else if (code == 0) {
                check(response.hasMessageIntegrity() && response.verifyMessageIntegrity(key(username)),
                        "success response without valid MESSAGE-INTEGRITY");
                check(!withFingerprint || (response.hasFingerprint() && response.verifyFingerprint()),
                        "request had FINGERPRINT but the success response has no valid one");
            } else if (usingSha256 && response.hasMessageIntegritySha256()) {
                check(response.verifyMessageIntegritySha256(sha256Key(username)), "error response with bad MESSAGE-INTEGRITY-SHA256");
            } else if (response.hasMessageIntegrity()) {
                check(response.verifyMessageIntegrity(key(username)), "error response with bad MESSAGE-INTEGRITY");
            }
            return new Response(response, bindFailures);
        }
        throw new AssertionError(StunMethod.name(method) + ": no final answer after " + MAX_ATTEMPTS + " attempts");
    }

    /** A Send indication; returns what the server decided. Indications get no answer. */
    ServerHarness.Outcome send(ServerHarness harness, InetSocketAddress peer, byte[] payload, boolean dontFragment) {
        TransactionId transactionId = nextTransactionId();
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.SEND, transactionId)
                .xorPeerAddress(peer)
                .data(payload, 0, payload.length);
        if (dontFragment) {
            writer.dontFragment();
        }
        int length = withFingerprint ? writer.finishWithFingerprint() : writer.finish();
        byte[] indication = Arrays.copyOf(out.array(), length);
        lastRequest = indication;
        ServerHarness.Outcome outcome = harness.fromClient(address, indication);
        check(outcome.sentToClients().isEmpty(), "a Send indication was answered: " + outcome.sentToClients());
        return outcome;
    }

    /** A ChannelData frame, padded to a multiple of 4 when asked (as UDP clients may). */
    ServerHarness.Outcome channelData(ServerHarness harness, int channelNumber, byte[] payload, boolean padded) {
        int frameLength = 4 + payload.length;
        byte[] frame = new byte[padded ? (frameLength + 3) & ~3 : frameLength];
        frame[0] = (byte) (channelNumber >>> 8);
        frame[1] = (byte) channelNumber;
        frame[2] = (byte) (payload.length >>> 8);
        frame[3] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        lastRequest = frame;
        ServerHarness.Outcome outcome = harness.fromClient(address, frame);
        check(outcome.sentToClients().isEmpty(), "ChannelData was answered: " + outcome.sentToClients());
        return outcome;
    }

    private byte[] encode(int method, TransactionId transactionId, @Nullable String username,
            Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, method, transactionId);
        attributes.accept(writer);
        int length;
        if (username == null) {
            length = withFingerprint ? writer.finishWithFingerprint() : writer.finish();
        } else {
            writer.username(username).realm(realm).nonce(nonce);
            StunMessageWriter.Signed signed;
            if (usingSha256) {
                signed = writer.passwordAlgorithms(offeredAlgorithms)
                        .passwordAlgorithm(PasswordAlgorithmEntry.of(PasswordAlgorithmEntry.SHA256))
                        .messageIntegritySha256(sha256Key(username));
            } else {
                signed = writer.messageIntegrity(key(username));
            }
            length = withFingerprint ? signed.finishWithFingerprint() : signed.finish();
        }
        return Arrays.copyOf(out.array(), length);
    }

    private StunMessage onlyResponse(List<TurnCommand.SendToClient> sent, TransactionId transactionId, int method) {
        check(sent.size() == 1, StunMethod.name(method) + " request got " + sent.size() + " messages instead of one response");
        TurnCommand.SendToClient send = sent.get(0);
        check(send.client().remote().equals(address), "the response went to " + send.client() + " instead of " + address);
        StunMessage response = parse(send.message());
        check(response.transactionId().equals(transactionId), "response with a different transaction id");
        check(response.method() == method, "response to " + StunMethod.name(method) + " has method "
                + StunMethod.name(response.method()));
        check(response.messageClass() == StunClass.SUCCESS_RESPONSE || response.messageClass() == StunClass.ERROR_RESPONSE,
                "response of class " + response.messageClass());
        return response;
    }

    private static int errorCodeOf(StunMessage response) {
        ErrorCode error = response.errorCode();
        check(error != null, "error response without ERROR-CODE");
        return error.code();
    }

    static StunMessage parse(byte[] message) {
        try {
            return StunMessage.parse(message, 0, message.length);
        } catch (StunDecodeException e) {
            throw new AssertionError("the server sent a message that does not decode: " + e.getMessage(), e);
        }
    }

    /** RFC 8489 §9.2.4: SHA-256 only when the nonce carries the cookie and the server offers it. */
    private void negotiate(StunMessage challenge) {
        if (!prefersSha256) {
            return;
        }
        offeredAlgorithms = challenge.passwordAlgorithms();
        usingSha256 = nonce != null && nonce.startsWith("obMatJos2")
                && offeredAlgorithms.contains(PasswordAlgorithmEntry.of(PasswordAlgorithmEntry.SHA256));
    }

    private byte[] sha256Key(String username) {
        return digest("SHA-256", username);
    }

    private byte[] key(String username) {
        return digest("MD5", username);
    }

    private byte[] digest(String algorithm, String username) {
        String password = passwords.get(username);
        check(password != null && realm != null, "no credentials for " + username);
        try {
            return MessageDigest.getInstance(algorithm)
                    .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private TransactionId nextTransactionId() {
        int counter = ++transactions;
        byte[] id = new byte[TransactionId.LENGTH];
        id[0] = 0x7E;
        id[1] = (byte) index;
        id[8] = (byte) (counter >>> 24);
        id[9] = (byte) (counter >>> 16);
        id[10] = (byte) (counter >>> 8);
        id[11] = (byte) counter;
        return TransactionId.of(id);
    }
}
