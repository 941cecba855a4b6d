package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticUsersAuthenticatorTest {
    private static final String REALM = "example.org";

    /** USERHASH as a client computes it (RFC 8489 §14.4): SHA-256("username:realm"). */
    static byte[] userhash(String username, String realm) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest((username + ":" + realm).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void knownUserGetsTheirPasswordInAnyRealm() {
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(Map.of("alice", "wonderland"));

        for (String realm : new String[] {"example.org", "other.example"}) {
            LongTermCredential credential = authenticator.credential("alice", realm, 0);
            assertThat(credential.key(PasswordAlgorithm.MD5, "alice", realm))
                    .isEqualTo(PasswordAlgorithm.MD5.deriveKey("alice", realm, "wonderland"));
        }
    }

    @Test
    void unknownUserIsNull() {
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(Map.of("alice", "wonderland"));

        assertThat(authenticator.credential("bob", REALM, 0)).isNull();
        assertThat(authenticator.credential("Alice", REALM, 0)).isNull();
    }

    @Test
    void tableIsCopiedAtConstruction() {
        Map<String, String> users = new HashMap<>(Map.of("alice", "wonderland"));
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(users);
        users.put("mallory", "x");

        assertThat(authenticator.credential("mallory", REALM, 0)).isNull();
    }

    @Test
    void userhashOfTheRfc8489VectorIsInverted() {
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(
                Map.of(PasswordAlgorithmTest.MATRIX_USER, "TheMatrIX", "alice", "a"));
        byte[] rfcUserhash =
                HexFormat.of().parseHex("4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");

        assertThat(authenticator.usernameForUserhash(rfcUserhash, "example.org"))
                .isEqualTo(PasswordAlgorithmTest.MATRIX_USER);
    }

    @Test
    void userhashDependsOnTheRealm() {
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(Map.of("alice", "a", "bob", "b"));
        byte[] alice = HexFormat.of().parseHex("435b7933096a304d3c734cfb833ec9075bd47ab1c0160321aed31c06a8c7009e");

        assertThat(authenticator.usernameForUserhash(alice, "example.org")).isEqualTo("alice");
        assertThat(authenticator.usernameForUserhash(alice, "example.net")).isNull();
        assertThat(authenticator.usernameForUserhash(userhash("bob", "example.net"), "example.net")).isEqualTo("bob");
        // Switching back to the first realm still works after the table was rebuilt for another one.
        assertThat(authenticator.usernameForUserhash(alice, "example.org")).isEqualTo("alice");
    }

    @Test
    void unknownOrMalformedUserhashIsNull() {
        StaticUsersAuthenticator authenticator = new StaticUsersAuthenticator(Map.of("alice", "a"));

        assertThat(authenticator.usernameForUserhash(userhash("bob", REALM), REALM)).isNull();
        assertThat(authenticator.usernameForUserhash(new byte[0], REALM)).isNull();
        assertThat(authenticator.usernameForUserhash(new byte[31], REALM)).isNull();
    }
}
