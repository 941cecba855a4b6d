package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TurnRestAuthenticatorTest {
    private static final String REALM = "example.org";
    /** 2026-11-30T00:00:00Z. */
    private static final long NOW = 1_795_996_800L;
    private static final long FOREVER = Long.MAX_VALUE;

    private final TurnRestAuthenticator coturnVector = new TurnRestAuthenticator("northsecret", FOREVER);

    @Test
    void passwordMatchesTheVectorCheckedAgainstCoturn() {
        assertThat(coturnVector.passwordFor("2000000000:alice")).isEqualTo("d+/WRNulfsT6+8IQNAULHYEsTsw=");
    }

    @Test
    void credentialYieldsTheLongTermKeyCoturnAccepted() {
        LongTermCredential credential = coturnVector.credential("2000000000:alice", REALM, NOW);

        assertThat(credential).isNotNull();
        assertThat(credential.key(PasswordAlgorithm.MD5, "2000000000:alice", REALM))
                .asHexString().isEqualToIgnoringCase("218f09583f116999cd2f7173dd69ba0e");
    }

    @Test
    void expiredUsernameIsRefused() {
        assertThat(coturnVector.credential("1000000000:alice", REALM, NOW)).isNull();
    }

    @Test
    void usernameIsExpiredExactlyAtItsExpiry() {
        assertThat(coturnVector.credential("2000000000:alice", REALM, 1_999_999_999L)).isNotNull();
        assertThat(coturnVector.credential("2000000000:alice", REALM, 2_000_000_000L)).isNull();
        assertThat(coturnVector.credential("2000000000:alice", REALM, 2_000_000_001L)).isNull();
    }

    @Test
    void expiryBeyond2038And2106WorksWithEnoughValidity() {
        // coturn refuses 4102444800 (2100-01-01) because of 32-bit arithmetic.
        assertThat(coturnVector.credential("4102444800:alice", REALM, NOW)).isNotNull();
        assertThat(coturnVector.credential("4294967297:alice", REALM, 4_294_967_296L)).isNotNull();
        assertThat(coturnVector.credential("9223372036854775807:alice", REALM, NOW)).isNotNull();
    }

    @Test
    void expiryFurtherAheadThanMaxValidityIsRefused() {
        TurnRestAuthenticator oneDay = new TurnRestAuthenticator("northsecret", 86_400);

        assertThat(oneDay.credential((NOW + 86_400) + ":alice", REALM, NOW)).isNotNull();
        assertThat(oneDay.credential((NOW + 86_401) + ":alice", REALM, NOW)).isNull();
        assertThat(oneDay.credential("4102444800:alice", REALM, NOW)).isNull();
    }

    @Test
    void defaultMaxValidityIsThirtyDays() {
        TurnRestAuthenticator defaults = new TurnRestAuthenticator("northsecret");

        assertThat(defaults.credential((NOW + 30L * 86_400) + ":alice", REALM, NOW)).isNotNull();
        assertThat(defaults.credential((NOW + 30L * 86_400 + 1) + ":alice", REALM, NOW)).isNull();
    }

    @Test
    void maxValidityIsChecked64BitEvenForAClockBefore1970() {
        TurnRestAuthenticator oneDay = new TurnRestAuthenticator("northsecret", 86_400);

        assertThat(oneDay.credential("9223372036854775807:alice", REALM, -10)).isNull();
        assertThat(oneDay.credential("100:alice", REALM, -10)).isNotNull();
    }

    @Test
    void expiryIsThePartBeforeTheFirstColon() {
        String username = "2000000000:alice:with:colons";
        LongTermCredential credential = coturnVector.credential(username, REALM, NOW);

        assertThat(credential.key(PasswordAlgorithm.MD5, username, REALM))
                .isEqualTo(PasswordAlgorithm.MD5.deriveKey(username, REALM, coturnVector.passwordFor(username)));
        assertThat(coturnVector.passwordFor(username)).isNotEqualTo(coturnVector.passwordFor("2000000000:alice"));
    }

    @Test
    void usernameMayBeABareExpiry() {
        assertThat(coturnVector.credential("2000000000", REALM, NOW)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":alice", "alice", "alice:2000000000", "-2000000000:alice", "+2000000000:alice",
            " 2000000000:alice", "2000000000 :alice", "2e9:alice", "0x77359400:alice",
            "9223372036854775808:alice", "99999999999999999999:alice", "２000000000:alice"})
    void malformedExpiryIsRefused(String username) {
        assertThat(coturnVector.credential(username, REALM, NOW)).isNull();
    }

    @Test
    void passwordIsPaddedBase64OfA20ByteHmac() {
        assertThat(coturnVector.passwordFor("1:x")).hasSize(28).endsWith("=");
    }

    @Test
    void differentSecretsGiveDifferentPasswords() {
        assertThat(new TurnRestAuthenticator("southsecret").passwordFor("2000000000:alice"))
                .isNotEqualTo("d+/WRNulfsT6+8IQNAULHYEsTsw=");
    }

    @Test
    void constructorRefusesEmptySecretAndNonPositiveValidity() {
        assertThatThrownBy(() -> new TurnRestAuthenticator("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TurnRestAuthenticator("s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TurnRestAuthenticator("s", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
