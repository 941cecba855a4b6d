package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FirezoneAuthenticatorTest {
    private static final String HEX_SECRET = "4c98bf59c99b3e467ecd7cf9d6b3e5279645fca59be67bc5bb4af3cf653761ab";
    private static final long HEX_EXPIRY = 60L * 60 * 24 * 365 * 60;
    private static final String HEX_SALT = "n23JJ2wKKtt30oXi";
    private static final String HEX_PASSWORD = "00hqldgk5xLeKKOB+xls9mHMVtgqzie9DulfgQwMv68";

    private final FirezoneAuthenticator authenticator = new FirezoneAuthenticator(HEX_SECRET);

    @Test
    void passwordMatchesTheRelayVector() {
        assertThat(HEX_EXPIRY).isEqualTo(1_892_160_000L);
        assertThat(authenticator.passwordFor(HEX_EXPIRY, HEX_SALT)).isEqualTo(HEX_PASSWORD);
    }

    @Test
    void passwordMatchesThePortalVectorWhoseSecretIsAUuid() {
        FirezoneAuthenticator portal = new FirezoneAuthenticator("1cab293a-4032-46f4-862a-40e5d174b0d2");

        assertThat(portal.passwordFor(1_685_984_278L, "uvdgKvS9GXYZ_vmv"))
                .isEqualTo("6xUIoZ+QvxKhRasLifwfRkMXl+ETLJUsFkHlXjlHAkg");
    }

    @Test
    void credentialCarriesTheDerivedPassword() {
        String username = HEX_EXPIRY + ":" + HEX_SALT;
        LongTermCredential credential = authenticator.credential(username, "firezone", HEX_EXPIRY - 1);

        assertThat(credential).isNotNull();
        assertThat(credential.key(PasswordAlgorithm.MD5, username, "firezone"))
                .isEqualTo(PasswordAlgorithm.MD5.deriveKey(username, "firezone", HEX_PASSWORD));
    }

    @Test
    void usernameIsExpiredExactlyAtItsExpiry() {
        String username = HEX_EXPIRY + ":" + HEX_SALT;

        assertThat(authenticator.credential(username, "firezone", HEX_EXPIRY)).isNull();
        assertThat(authenticator.credential(username, "firezone", HEX_EXPIRY + 1)).isNull();
    }

    @Test
    void otherRealmsAreNotFirezones() {
        String username = HEX_EXPIRY + ":" + HEX_SALT;

        assertThat(authenticator.credential(username, "example.org", 0)).isNull();
        assertThat(authenticator.credential(username, "Firezone", 0)).isNull();
    }

    @Test
    void expiryIsAnUnsigned64BitNumber() {
        String maxU64 = "18446744073709551615";

        assertThat(authenticator.credential(maxU64 + ":salt", "firezone", HEX_EXPIRY)).isNotNull();
        assertThat(authenticator.credential(maxU64 + ":salt", "firezone", HEX_EXPIRY)
                        .key(PasswordAlgorithm.MD5, maxU64 + ":salt", "firezone"))
                .isEqualTo(PasswordAlgorithm.MD5.deriveKey(maxU64 + ":salt", "firezone",
                        authenticator.passwordFor(-1L, "salt")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1892160000", "1892160000:a:b", ":salt", "x1892160000:salt", "-1892160000:salt",
            "+1892160000:salt", "01892160000:salt", "18446744073709551616:salt", "1892160000.0:salt",
            "1892160000 :salt"})
    void malformedUsernamesAreRefused(String username) {
        assertThat(authenticator.credential(username, "firezone", 1_000_000_000L)).isNull();
    }

    @Test
    void saltMayContainBase64Characters() {
        String username = HEX_EXPIRY + ":a+b/c=";

        assertThat(authenticator.credential(username, "firezone", 0)).isNotNull();
    }

    @Test
    void generatedSecretIs64LowercaseHexCharacters() {
        String secret = FirezoneAuthenticator.generateSecretHex(new SplittableRandom(7));

        assertThat(secret).hasSize(64).matches("[0-9a-f]{64}");
        assertThat(FirezoneAuthenticator.generateSecretHex(new SplittableRandom(8))).isNotEqualTo(secret);
        assertThat(new FirezoneAuthenticator(secret).secretHex()).isEqualTo(secret);
    }

    @Test
    void emptySecretAndColonInSaltAreRefused() {
        assertThatThrownBy(() -> new FirezoneAuthenticator("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> authenticator.passwordFor(1, "a:b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a:b");
    }
}
