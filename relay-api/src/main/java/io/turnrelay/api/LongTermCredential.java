package io.turnrelay.api;

import org.jspecify.annotations.Nullable;

/**
 * What an {@link Authenticator} knows about one user: the password, or only the precomputed MD5 key
 * (as user stores that keep "HA1" values do). The server asks it for the key of the algorithm it negotiated.
 */
public final class LongTermCredential {

    public static LongTermCredential ofPassword(String password) {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** Only the 16-byte MD5 key is known; SHA-256 integrity is then unavailable for this user. */
    public static LongTermCredential ofMd5Key(byte[] md5Key) {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** The key for {@code algorithm}, or {@code null} when this credential cannot provide it. */
    public byte @Nullable [] key(PasswordAlgorithm algorithm, String username, String realm) {
        throw new UnsupportedOperationException("api skeleton");
    }
}
