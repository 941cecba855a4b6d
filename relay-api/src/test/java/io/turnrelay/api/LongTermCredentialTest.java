package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class LongTermCredentialTest {
    private static final String MD5_KEY_HEX = "e8ca7ad59d5eb0518e312911d2dab2a9";

    @Test
    void passwordCredentialDerivesBothKeys() {
        LongTermCredential credential = LongTermCredential.ofPassword("TheMatrIX");

        assertThat(credential.key(PasswordAlgorithm.MD5, PasswordAlgorithmTest.MATRIX_USER, "example.org"))
                .asHexString().isEqualToIgnoringCase(MD5_KEY_HEX);
        assertThat(credential.key(PasswordAlgorithm.SHA256, PasswordAlgorithmTest.MATRIX_USER, "example.org"))
                .hasSize(32);
    }

    @Test
    void md5OnlyCredentialHasNoSha256Key() {
        LongTermCredential credential = LongTermCredential.ofMd5Key(HexFormat.of().parseHex(MD5_KEY_HEX));

        assertThat(credential.key(PasswordAlgorithm.MD5, "anyone", "anywhere"))
                .asHexString().isEqualToIgnoringCase(MD5_KEY_HEX);
        assertThat(credential.key(PasswordAlgorithm.SHA256, "anyone", "anywhere")).isNull();
    }

    @Test
    void aCredentialHasTheRelaysDefaultBandwidthLimitUnlessItSetsItsOwn() {
        LongTermCredential plain = LongTermCredential.ofPassword("TheMatrIX");
        LongTermCredential limited = plain.withMaxBps(64_000);
        LongTermCredential unlimited = LongTermCredential.ofMd5Key(HexFormat.of().parseHex(MD5_KEY_HEX)).withMaxBps(0);

        assertThat(plain.maxBps()).isEmpty();
        assertThat(limited.maxBps()).hasValue(64_000);
        assertThat(unlimited.maxBps()).hasValue(0);
        // The same secret either way.
        assertThat(limited.key(PasswordAlgorithm.SHA256, "u", "r")).isEqualTo(plain.key(PasswordAlgorithm.SHA256, "u", "r"));
        assertThat(unlimited.key(PasswordAlgorithm.MD5, "u", "r")).asHexString().isEqualToIgnoringCase(MD5_KEY_HEX);
        assertThatThrownBy(() -> plain.withMaxBps(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxBps:");
        assertThatThrownBy(() -> plain.withMaxBps(RelayConfig.MAX_BPS + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void md5KeyIsCopiedOnTheWayInAndOut() {
        byte[] given = HexFormat.of().parseHex(MD5_KEY_HEX);
        LongTermCredential credential = LongTermCredential.ofMd5Key(given);
        given[0] = 0;
        byte[] first = credential.key(PasswordAlgorithm.MD5, "u", "r");
        first[1] = 0;

        assertThat(credential.key(PasswordAlgorithm.MD5, "u", "r")).asHexString().isEqualToIgnoringCase(MD5_KEY_HEX);
    }

    @Test
    void md5KeyMustHave16Bytes() {
        assertThatThrownBy(() -> LongTermCredential.ofMd5Key(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(LongTermCredential.ofPassword("hunter2").toString()).doesNotContain("hunter2");
    }
}
