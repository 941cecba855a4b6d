package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private static final String REALM = "example.org";

    @Test
    void firstOfAsksInOrderAndStopsAtTheFirstAnswer() {
        List<String> asked = new ArrayList<>();
        Authenticator unknown = (username, realm, now) -> {
            asked.add("unknown");
            return null;
        };
        Authenticator alice = (username, realm, now) -> {
            asked.add("alice");
            return username.equals("alice") ? LongTermCredential.ofPassword("first") : null;
        };
        Authenticator never = (username, realm, now) -> {
            asked.add("never");
            return LongTermCredential.ofPassword("second");
        };

        LongTermCredential credential = Authenticator.firstOf(unknown, alice, never).credential("alice", REALM, 0);

        assertThat(credential.key(PasswordAlgorithm.MD5, "alice", REALM))
                .isEqualTo(PasswordAlgorithm.MD5.deriveKey("alice", REALM, "first"));
        assertThat(asked).containsExactly("unknown", "alice");
    }

    @Test
    void firstOfAnswersNullWhenNobodyKnowsTheUser() {
        Authenticator chain = Authenticator.firstOf(
                new StaticUsersAuthenticator(Map.of("bob", "pw")), (username, realm, now) -> null);

        assertThat(chain.credential("alice", REALM, 0)).isNull();
        assertThat(Authenticator.firstOf().credential("alice", REALM, 0)).isNull();
    }

    @Test
    void firstOfPassesRealmAndTimeThrough() {
        long[] seenTime = new long[1];
        String[] seenRealm = new String[1];
        Authenticator recorder = (username, realm, now) -> {
            seenTime[0] = now;
            seenRealm[0] = realm;
            return null;
        };

        Authenticator.firstOf(recorder).credential("u", "r.example", 1_234_567_890_123L);

        assertThat(seenTime[0]).isEqualTo(1_234_567_890_123L);
        assertThat(seenRealm[0]).isEqualTo("r.example");
    }

    @Test
    void firstOfInvertsUserhashWithTheFirstAuthenticatorThatCan() {
        Authenticator chain = Authenticator.firstOf(
                new TurnRestAuthenticator("secret"),
                new StaticUsersAuthenticator(Map.of("alice", "a")),
                new StaticUsersAuthenticator(Map.of("bob", "b")));

        assertThat(chain.usernameForUserhash(StaticUsersAuthenticatorTest.userhash("bob", REALM), REALM))
                .isEqualTo("bob");
        assertThat(chain.usernameForUserhash(StaticUsersAuthenticatorTest.userhash("carol", REALM), REALM))
                .isNull();
    }

    @Test
    void firstOfRejectsNullMembersUpFront() {
        assertThatThrownBy(() -> Authenticator.firstOf(new TurnRestAuthenticator("s"), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void defaultUserhashInversionIsUnavailable() {
        Authenticator plain = (username, realm, now) -> null;

        assertThat(plain.usernameForUserhash(new byte[32], REALM)).isNull();
    }
}
