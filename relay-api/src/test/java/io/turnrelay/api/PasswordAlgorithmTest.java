package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordAlgorithmTest {
    /** RFC 5769 §2.4 / RFC 8489 B.1 user: katakana "matrix", already OpaqueString-prepared. */
    static final String MATRIX_USER = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";

    @Test
    void md5KeyMatchesRfc5769LongTermVector() {
        byte[] key = PasswordAlgorithm.MD5.deriveKey(MATRIX_USER, "example.org", "TheMatrIX");

        assertThat(HexFormat.of().formatHex(key)).isEqualTo("e8ca7ad59d5eb0518e312911d2dab2a9");
    }

    @Test
    void md5KeyMatchesTurnRestVectorCheckedAgainstCoturn() {
        byte[] key = PasswordAlgorithm.MD5.deriveKey("2000000000:alice", "example.org", "d+/WRNulfsT6+8IQNAULHYEsTsw=");

        assertThat(HexFormat.of().formatHex(key)).isEqualTo("218f09583f116999cd2f7173dd69ba0e");
    }

    @Test
    void sha256KeyIsThe32ByteDigestOfTheSameText() {
        byte[] key = PasswordAlgorithm.SHA256.deriveKey(MATRIX_USER, "example.org", "TheMatrIX");

        // sha256sum of the UTF-8 text "マトリックス:example.org:TheMatrIX", computed with coreutils.
        assertThat(HexFormat.of().formatHex(key))
                .isEqualTo("dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1");
    }

    @Test
    void wireCodesAreThoseOfRfc8489() {
        assertThat(PasswordAlgorithm.MD5.code()).isEqualTo(1);
        assertThat(PasswordAlgorithm.SHA256.code()).isEqualTo(2);
    }
}
