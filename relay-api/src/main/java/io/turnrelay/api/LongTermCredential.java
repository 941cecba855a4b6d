package io.turnrelay.api;

import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Authenticator} knows about one user: the password, or only the precomputed MD5 key
 * (as user stores that keep "HA1" values do). The server asks it for the key of the algorithm it negotiated.
 * It may also carry the user's own bandwidth limit ({@link #withMaxBps}), which an allocation takes at its Allocate.
 * Immutable; {@link #toString()} never reveals the secret.
 */
public final class LongTermCredential {
    private static final int MD5_KEY_LENGTH = 16;

    private final @Nullable String password;
    private final byte @Nullable [] md5Key;
    /** -1: the relay's default ({@link RelayConfig#maxBps()}). */
    private final long maxBps;

    private LongTermCredential(@Nullable String password, byte @Nullable [] md5Key, long maxBps) {
        this.password = password;
        this.md5Key = md5Key;
        this.maxBps = maxBps;
    }

    public static LongTermCredential ofPassword(String password) {
        return new LongTermCredential(Objects.requireNonNull(password, "password"), null, -1);
    }

    /** Only the 16-byte MD5 key is known; SHA-256 integrity is then unavailable for this user. */
    public static LongTermCredential ofMd5Key(byte[] md5Key) {
        Objects.requireNonNull(md5Key, "md5Key");
        if (md5Key.length != MD5_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "An MD5 key has " + MD5_KEY_LENGTH + " bytes, not " + md5Key.length);
        }
        return new LongTermCredential(null, md5Key.clone(), -1);
    }

    /**
     * The same credential with this user's own bandwidth limit instead of the relay's default: an allocation the
     * user makes relays at most {@code bytesPerSecond} payload bytes per second each way; 0 means no limit of its
     * own (the relay's total capacity still applies). At most {@link RelayConfig#MAX_BPS}.
     *
     * @throws IllegalArgumentException when negative or above {@link RelayConfig#MAX_BPS}
     */
    public LongTermCredential withMaxBps(long bytesPerSecond) {
        RelayConfig.requireBps("maxBps", bytesPerSecond);
        return new LongTermCredential(password, md5Key, bytesPerSecond);
    }

    /** The user's own bandwidth limit in bytes per second (0: none), or empty for the relay's default. */
    public OptionalLong maxBps() {
        return maxBps < 0 ? OptionalLong.empty() : OptionalLong.of(maxBps);
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
