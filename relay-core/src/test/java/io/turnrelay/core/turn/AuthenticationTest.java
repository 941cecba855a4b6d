package io.turnrelay.core.turn;

import io.turnrelay.api.events.AuthenticationFailure;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.FirezoneAuthenticator;
import io.turnrelay.api.TurnRestAuthenticator;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Long-term credentials (RFC 8489 §9.2): challenges, nonces, algorithms, USERHASH and the built-in schemes. */
class AuthenticationTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    @Test
    void wrongPasswordIs401WithAFreshChallenge() {
        alice.password = "not-it";
        StunMessage response = alice.allocate();
        assertThat(code(response)).isEqualTo(401);
        assertThat(response.nonce()).isNotNull();
        assertThat(response.realm()).isEqualTo(TurnHarness.REALM);
        assertThat(response.hasMessageIntegrity()).isFalse();
        assertThat(h.server.stats().allocations()).isZero();
    }

    @Test
    void unknownUserIs401() {
        TestClient mallory = new TestClient(h, CLIENT, "mallory", "x");
        assertThat(code(mallory.allocate())).isEqualTo(401);
    }

    @Test
    void wrongRealmIs401() {
        alice.allocatePort();
        alice.realm = "elsewhere.org";
        assertThat(code(alice.refresh(600))).isEqualTo(401);
    }

    @Test
    void integrityWithoutNonceIs400() {
        alice.nonce = null;
        StunMessage response = alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)));
        assertThat(code(response)).isEqualTo(400);
    }

    @Test
    void nonceGoesStaleAfterItsValidityExactly() {
        alice.allocatePort();
        String nonce = alice.nonce;
        long issued = h.now; // the challenge was issued at this time

        h.now = issued + 600 * SECOND - 1;
        StunMessage fresh = alice.send(alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w.lifetime(600)));
        assertThat(code(fresh)).isEqualTo(0);

        h.now = issued + 600 * SECOND;
        StunMessage stale = alice.send(alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w.lifetime(600)));
        assertThat(code(stale)).isEqualTo(438);
        assertThat(stale.nonce()).isNotNull().isNotEqualTo(nonce);
        assertThat(stale.realm()).isEqualTo(TurnHarness.REALM);

        alice.nonce = stale.nonce();
        assertThat(code(alice.send(alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w.lifetime(600))))).isEqualTo(0);
    }

    @Test
    void nonceIsBoundToTheClientAddress() {
        alice.allocatePort();
        TestClient sameUserElsewhere = new TestClient(h, address("198.51.100.7", 40001), "alice", "alice-pw");
        sameUserElsewhere.nonce = alice.nonce;
        StunMessage response = sameUserElsewhere.send(sameUserElsewhere.encode(StunMethod.ALLOCATE,
                sameUserElsewhere.newTransactionId(), true, w -> w.requestedTransport(17)));
        assertThat(code(response)).isEqualTo(438);
    }

    @Test
    void aNonceThatIsNotOursIs438() {
        alice.nonce = "obMatJos2wAAAsomething-made-up";
        assertThat(code(alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)))))
                .isEqualTo(438);
        alice.nonce = "f//499k954d6OL34oL9FSTvy64sA";
        assertThat(code(alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)))))
                .isEqualTo(438);
    }

    @Test
    void sha256IntegrityWithTheSha256KeyIsAnsweredInKind() {
        alice.sha256Integrity = true;
        alice.sha256Key = true;
        alice.negotiateAlgorithm = true;
        StunMessage response = alice.allocate();
        assertThat(code(response)).isEqualTo(0);
        assertThat(response.hasMessageIntegritySha256()).isTrue();
        assertThat(response.hasMessageIntegrity()).isFalse();
        assertThat(alice.verifies(response)).isTrue();
    }

    @Test
    void sha256IntegrityWithTheDefaultMd5Key() {
        alice.sha256Integrity = true;
        StunMessage response = alice.allocate();
        assertThat(code(response)).isEqualTo(0);
        assertThat(response.verifyMessageIntegritySha256(alice.key())).isTrue();
    }

    @Test
    void sha256IntegrityWithTheSha256KeyWithoutNegotiationAsInRfc8489AppendixB1() {
        alice.sha256Integrity = true;
        alice.sha256Key = true;
        StunMessage response = alice.allocate();
        assertThat(code(response)).isZero();
        assertThat(response.verifyMessageIntegritySha256(alice.key())).isTrue();
    }

    @Test
    void sha1IntegrityWithTheSha256KeyWithoutNegotiationDoesNotVerify() {
        alice.sha256Key = true; // claims nothing, so MD5 is the only key for MESSAGE-INTEGRITY
        assertThat(code(alice.allocate())).isEqualTo(401);
    }

    @Test
    void negotiatedMd5KeyIsNotSwappedForSha256() {
        alice.sha256Integrity = true;
        alice.negotiateAlgorithm = true; // says MD5 ...
        alice.allocate();
        alice.refresh(0);
        alice.sha256Key = true; // ... but signs with SHA-256 while still claiming MD5
        alice.negotiateAlgorithm = false; // the attributes below are written by hand
        byte[] lying = alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w
                .requestedTransport(17)
                .passwordAlgorithms(List.of(new PasswordAlgorithmEntry(1, new byte[0]), new PasswordAlgorithmEntry(2, new byte[0])))
                .passwordAlgorithm(new PasswordAlgorithmEntry(1, new byte[0])));
        assertThat(code(alice.send(lying))).isEqualTo(401);
    }

    @Test
    void userhashIdentifiesTheUser() {
        alice.useUserhash = true;
        alice.sha256Integrity = true;
        StunMessage response = alice.allocate();
        assertThat(code(response)).isEqualTo(0);
        assertThat(h.take(TurnCommand.AllocationCreated.class)).singleElement()
                .satisfies(c -> assertThat(c.username()).isEqualTo("alice"));
    }

    @Test
    void passwordAlgorithmsThatDifferFromTheOfferAre400() {
        alice.allocatePort(); // learn a nonce
        byte[] reordered = alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w
                .passwordAlgorithms(List.of(new PasswordAlgorithmEntry(2, new byte[0]), new PasswordAlgorithmEntry(1, new byte[0])))
                .passwordAlgorithm(new PasswordAlgorithmEntry(1, new byte[0])));
        assertThat(code(alice.send(reordered))).isEqualTo(400);

        byte[] onlyOne = alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w
                .passwordAlgorithm(new PasswordAlgorithmEntry(1, new byte[0])));
        assertThat(code(alice.send(onlyOne))).isEqualTo(400);

        byte[] unoffered = alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w
                .passwordAlgorithms(List.of(new PasswordAlgorithmEntry(1, new byte[0]), new PasswordAlgorithmEntry(2, new byte[0])))
                .passwordAlgorithm(new PasswordAlgorithmEntry(3, new byte[0])));
        assertThat(code(alice.send(unoffered))).isEqualTo(400);

        byte[] consistent = alice.encode(StunMethod.REFRESH, alice.newTransactionId(), true, w -> w
                .passwordAlgorithms(List.of(new PasswordAlgorithmEntry(1, new byte[0]), new PasswordAlgorithmEntry(2, new byte[0])))
                .passwordAlgorithm(new PasswordAlgorithmEntry(1, new byte[0])));
        assertThat(code(alice.send(consistent))).isEqualTo(0);
    }

    @Test
    void anotherValidUserOnTheSameFiveTupleIs441() {
        alice.allocatePort();
        TestClient bob = new TestClient(h, CLIENT, "bob", "bob-pw");
        StunMessage response = bob.refresh(600);
        assertThat(code(response)).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(bob.verifies(response)).isTrue();
        assertThat(code(bob.allocate())).isEqualTo(441);
        assertThat(code(bob.createPermission(address("93.184.216.34", 1)))).isEqualTo(441);
        assertThat(code(bob.channelBind(0x4000, address("93.184.216.34", 1)))).isEqualTo(441);
    }

    @Test
    void floodOfUnauthenticatedAllocatesCreatesNoState() {
        for (int i = 0; i < 1000; i++) {
            TestClient spoofed = new TestClient(h, address("198.51.100." + (i % 250), 1024 + i), "alice", "x");
            spoofed.send(spoofed.encode(StunMethod.ALLOCATE, spoofed.newTransactionId(), false, w -> w.requestedTransport(17)));
            spoofed.nonce = "obMatJos2wAAA" + i;
            spoofed.send(spoofed.encode(StunMethod.ALLOCATE, spoofed.newTransactionId(), true, w -> w.requestedTransport(17)));
        }
        assertThat(h.server.scheduledDeadlines()).isZero();
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.bindRequests).isEmpty();
        // Each signed one is a failed authentication to tell the application about, and nothing more.
        assertThat(h.take(TurnCommand.AuthenticationFailed.class)).hasSize(1000)
                .allSatisfy(failed -> assertThat(failed.reason()).isEqualTo(AuthenticationFailure.WRONG_PASSWORD));
        assertThat(h.outbox).isEmpty();
        assertThat(h.server.stats().responses(StunMethod.ALLOCATE, 401)).isEqualTo(2000);
    }

    @Test
    void turnRestCredentialsWithTheCoturnVector() {
        TurnHarness rest = TurnHarness.with(b -> b.authenticator(new TurnRestAuthenticator("northsecret")));
        rest.unixSeconds.set(2_000_000_000L - 3600);
        TestClient client = new TestClient(rest, CLIENT, "2000000000:alice", "d+/WRNulfsT6+8IQNAULHYEsTsw=");
        assertThat(client.key()).containsExactly(java.util.HexFormat.of().parseHex("218f09583f116999cd2f7173dd69ba0e"));
        assertThat(code(client.allocate())).isEqualTo(0);

        rest.unixSeconds.set(2_000_000_001L); // expired credential
        assertThat(code(client.refresh(600))).isEqualTo(401);
    }

    @Test
    void firezoneCredentialsWithTheVector() {
        TurnHarness fz = TurnHarness.with(b -> b.realm("firezone").authenticator(
                new FirezoneAuthenticator("4c98bf59c99b3e467ecd7cf9d6b3e5279645fca59be67bc5bb4af3cf653761ab")));
        fz.unixSeconds.set(1_892_160_000L - 100);
        TestClient client = new TestClient(fz, CLIENT, "1892160000:n23JJ2wKKtt30oXi", "00hqldgk5xLeKKOB+xls9mHMVtgqzie9DulfgQwMv68");
        client.realm = "firezone";
        StunMessage response = client.allocate();
        assertThat(code(response)).isEqualTo(0);
        assertThat(client.verifies(response)).isTrue();

        TestClient wrong = new TestClient(fz, address("198.51.100.8", 1), "1892160000:n23JJ2wKKtt30oXi", "00hqldgk5xLeKKOB+xls9mHMVtgqzie9DulfgQwMv69");
        wrong.realm = "firezone";
        assertThat(code(wrong.allocate())).isEqualTo(401);

        fz.unixSeconds.set(1_892_160_001L);
        assertThat(code(client.refresh(600))).isEqualTo(401);
    }

    @Test
    void errorResponsesAfterAuthenticationAreSigned() {
        StunMessage response = alice.refresh(600); // no allocation
        assertThat(code(response)).isEqualTo(437);
        assertThat(alice.verifies(response)).isTrue();
        assertThat(response.has(AttributeType.SOFTWARE)).isTrue();
        assertThat(response.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
    }

    @Test
    void unsignedChallengesLeaveSoftwareOutToLimitReflection() {
        StunMessage challenge = alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(code(challenge)).isEqualTo(401);
        assertThat(challenge.has(AttributeType.SOFTWARE)).isFalse();
        assertThat(challenge.hasMessageIntegrity()).isFalse();
    }
}
