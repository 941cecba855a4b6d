package io.turnrelay.core.fuzz;

import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.ErrorCode;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Reflection/amplification bound: an attacker who spoofs a victim's address must not gain more than
 * 1.5 x request + 100 bytes for any request the server answers before authenticating the sender. Each kind is
 * tried over generated requests from the 20-byte minimum upward, with the project's default-sized realm and
 * SOFTWARE. The worst ratio is printed and recorded in relay-core/README.md.
 */
class AmplificationTest {
    private static final long SECOND = 1_000_000_000L;
    /** Comprehension-optional and unassigned: the server ignores it, so it only makes the request bigger. */
    private static final int UNKNOWN_OPTIONAL_ATTRIBUTE = 0x80F0;
    private static final String REALM = "turnrelay.example.org";
    private static final InetSocketAddress VICTIM = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5555);
    private static final List<String> WORST = new ArrayList<>();
    private static double worstRatio;

    private final AtomicLong unixSeconds = new AtomicLong(1_700_000_000L);
    private final TurnServer server = new TurnServer(TurnServerConfig.builder()
            .realm(REALM)
            .software("turnrelay 0.1.0")
            .publicIpv4(InetAddress.getLoopbackAddress())
            .portRange(50000, 50009)
            .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw")))
            .peerPolicy(PeerAddressPolicy.defaults())
            .nonceValidity(Duration.ofSeconds(600))
            .unixClock(unixSeconds::get)
            .build(), new SplittableRandom(7));
    private final SplittableRandom random = new SplittableRandom(1234);
    private long now = 5 * SECOND;

    @AfterAll
    static void report() {
        System.out.printf("Worst amplification ratio %.3f (%s)%n", worstRatio, String.join("; ", WORST));
    }

    @Test
    void bindingRequestsOfEverySize() {
        for (int padding = 0; padding <= 64; padding += 4) {
            byte[] request = request(StunClass.REQUEST, StunMethod.BINDING, padding, false, w -> {});
            assertBounded("binding", request, StunClass.SUCCESS_RESPONSE, 0);
            assertBounded("binding+fingerprint", request(StunClass.REQUEST, StunMethod.BINDING, padding, true, w -> {}),
                    StunClass.SUCCESS_RESPONSE, 0);
        }
    }

    @Test
    void allocateWithoutCredentialsIsChallengedWithin401Bound() {
        for (int padding = 0; padding <= 64; padding += 4) {
            assertBounded("allocate, no credentials", request(StunClass.REQUEST, StunMethod.ALLOCATE, padding, false,
                    w -> w.requestedTransport(17)), StunClass.ERROR_RESPONSE, ErrorCode.UNAUTHENTICATED);
            // Even smaller: no REQUESTED-TRANSPORT at all, just the header.
            assertBounded("allocate, header only", request(StunClass.REQUEST, StunMethod.ALLOCATE, padding, false, w -> {}),
                    StunClass.ERROR_RESPONSE, -1);
        }
        for (int method : new int[] {StunMethod.REFRESH, StunMethod.CREATE_PERMISSION, StunMethod.CHANNEL_BIND}) {
            assertBounded("method " + method + ", no credentials", request(StunClass.REQUEST, method, 0, false, w -> {}),
                    StunClass.ERROR_RESPONSE, -1);
        }
    }

    @Test
    void allocateWithWrongCredentialsOrBadNonce() {
        String nonce = challengeNonce();
        for (String user : new String[] {"alice", "mallory", "a", "x".repeat(100)}) {
            byte[] request = signed(user, "wrong-password", nonce, w -> w.requestedTransport(17));
            assertBounded("allocate, wrong credentials", request, StunClass.ERROR_RESPONSE, -1);
            byte[] forged = signed(user, "wrong-password", "not-a-nonce-we-issued", w -> w.requestedTransport(17));
            assertBounded("allocate, forged nonce", forged, StunClass.ERROR_RESPONSE, -1);
        }
    }

    @Test
    void staleNonceGets438WithinBound() {
        String nonce = challengeNonce();
        now += 3600 * SECOND;
        unixSeconds.addAndGet(3600);
        server.handleTimeout(now);
        drain();
        byte[] request = signed("alice", "alice-pw", nonce, w -> w.requestedTransport(17));
        assertBounded("allocate, stale nonce", request, StunClass.ERROR_RESPONSE, ErrorCode.STALE_NONCE);
    }

    @Test
    void malformedAndUnknownRequestsGet400Or420WithinBound() {
        for (int i = 0; i < 200; i++) {
            // A readable header whose body is garbage: 400 (or nothing).
            byte[] garbage = request(StunClass.REQUEST, StunMethod.ALLOCATE, 0, false, w -> {});
            int bodyLength = 4 * random.nextInt(0, 20);
            byte[] malformed = Arrays.copyOf(garbage, 20 + bodyLength);
            for (int b = 20; b < malformed.length; b++) {
                malformed[b] = (byte) random.nextInt(256);
            }
            malformed[2] = (byte) (bodyLength >>> 8);
            malformed[3] = (byte) bodyLength;
            assertBoundedIfAnswered("malformed", malformed);
        }
        for (int method = 0x00A; method < 0x040; method++) {
            assertBoundedIfAnswered("unknown method " + method, request(StunClass.REQUEST, method, 0, false, w -> {}));
        }
        for (int type = 0x0030; type < 0x0040; type++) {
            int unknownType = type;
            byte[] request = request(StunClass.REQUEST, StunMethod.ALLOCATE, 0, false,
                    w -> w.rawAttribute(unknownType, new byte[0]).rawAttribute(unknownType + 0x10, new byte[0]));
            // Unsigned, so the server challenges (401) before it looks at attributes; signed ones get 420.
            assertBounded("unknown comprehension-required attributes", request, StunClass.ERROR_RESPONSE, -1);
        }
    }

    private String challengeNonce() {
        List<StunMessage> answers = send(request(StunClass.REQUEST, StunMethod.ALLOCATE, 0, false, w -> w.requestedTransport(17)));
        assertThat(answers).hasSize(1);
        String nonce = answers.get(0).nonce();
        assertThat(nonce).isNotNull();
        return nonce;
    }

    private void assertBounded(String kind, byte[] request, StunClass expectedClass, int expectedCode) {
        List<StunMessage> answers = send(request);
        assertThat(answers).as(kind + " is answered").hasSize(1);
        StunMessage response = answers.get(0);
        assertThat(response.messageClass()).as(kind).isEqualTo(expectedClass);
        if (expectedCode > 0) {
            assertThat(response.errorCode()).isNotNull();
            assertThat(response.errorCode().code()).as(kind).isEqualTo(expectedCode);
        }
        record(kind, request.length, response.length());
    }

    private void assertBoundedIfAnswered(String kind, byte[] request) {
        for (StunMessage response : send(request)) {
            record(kind, request.length, response.length());
        }
    }

    private static void record(String kind, int requestLength, int responseLength) {
        assertThat((double) responseLength)
                .as("%s: %d-byte request answered with %d bytes", kind, requestLength, responseLength)
                .isLessThanOrEqualTo(1.5 * requestLength + 100);
        double ratio = (double) responseLength / requestLength;
        synchronized (WORST) {
            if (ratio > worstRatio) {
                worstRatio = ratio;
                WORST.clear();
            }
            if (ratio == worstRatio) {
                WORST.add(kind + " " + requestLength + "->" + responseLength);
            }
        }
    }

    private List<StunMessage> send(byte[] request) {
        server.handleClientMessage(TestLinks.udp(VICTIM), ByteBuffer.wrap(request), 0, request.length, now);
        return drain();
    }

    private List<StunMessage> drain() {
        List<StunMessage> answers = new ArrayList<>();
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.AuthenticationFailed) {
                continue; // informational: the application hears of it, the server keeps nothing
            }
            assertThat(command).as("no state change for an unauthenticated request").isInstanceOf(TurnCommand.SendToClient.class);
            byte[] bytes = ((TurnCommand.SendToClient) command).message();
            try {
                answers.add(StunMessage.parse(bytes, 0, bytes.length));
            } catch (StunDecodeException e) {
                throw new AssertionError(e);
            }
        }
        return answers;
    }

    private byte[] request(StunClass messageClass, int method, int padding, boolean fingerprint, Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, messageClass, method, newTransaction());
        attributes.accept(writer);
        if (padding > 0) {
            writer.rawAttribute(UNKNOWN_OPTIONAL_ATTRIBUTE, new byte[padding - 4]);
        }
        int length = fingerprint ? writer.finishWithFingerprint() : writer.finish();
        return Arrays.copyOf(out.array(), length);
    }

    private byte[] signed(String user, String password, String nonce, Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, newTransaction());
        attributes.accept(writer);
        writer.username(user).realm(REALM).nonce(nonce);
        int length = writer.messageIntegrity(md5(user + ":" + REALM + ":" + password)).finish();
        return Arrays.copyOf(out.array(), length);
    }

    private TransactionId newTransaction() {
        byte[] id = new byte[TransactionId.LENGTH];
        random.nextBytes(id);
        return TransactionId.of(id);
    }

    private static byte[] md5(String input) {
        try {
            return MessageDigest.getInstance("MD5").digest(input.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
