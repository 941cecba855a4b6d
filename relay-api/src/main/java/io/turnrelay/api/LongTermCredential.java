package io.turnrelay.api;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Authenticator} knows about one user: the password, or only the precomputed MD5 key
 * (as user stores that keep "HA1" values do). The server asks it for the key of the algorithm it negotiated.
 * Immutable; {@link #toString()} never reveals the secret.
 */
public final class LongTermCredential {
    private static final int MD5_KEY_LENGTH = 16;

    private final @Nullable String password;
    private final byte @Nullable [] md5Key;

    private LongTermCredential(@Nullable String password, byte @Nullable [] md5Key) {
        this.password = password;
        this.md5Key = md5Key;
    }

    public static LongTermCredential ofPassword(String password) {
        return new LongTermCredential(Objects.requireNonNull(password, "password"), null);
    }

    /** Only the 16-byte MD5 key is known; SHA-256 integrity is then unavailable for this user. */
    public static LongTermCredential ofMd5Key(byte[] md5Key) {
        Objects.requireNonNull(md5Key, "md5Key");
        if (md5Key.length != MD5_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "An MD5 key has " + MD5_KEY_LENGTH + " bytes, not " + md5Key.length);
        }
        return new LongTermCredential(null, md5Key.clone());
    }

    /** The key for {@code algorithm}, or {@code null} when this credential cannot provide it. */
    public byte @Nullable [] key(PasswordAlgorithm algorithm, String username, String realm) {
        if (password != null) {
            return algorithm.deriveKey(username, realm, password);
        }
        // The MD5 key was derived from some username and realm we cannot check; the caller vouches for them.
        if (algorithm == PasswordAlgorithm.MD5 && md5Key != null) {
            return md5Key.clone();
        }
        return null;
    }

    @Override
    public String toString() {
        return password != null ? "LongTermCredential[password]" : "LongTermCredential[md5 key]";
    }
}
