package io.turnrelay.api;

import org.jspecify.annotations.Nullable;

/**
 * Maps a TURN USERNAME and realm to the user's long-term credential (RFC 8489 §9.2). Called on the
 * relay's event-loop thread for every authenticated request: implementations must be fast, must not
 * block, and must be thread-safe if shared between relay workers.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * The credential for {@code username} in {@code realm} at wall-clock time {@code unixTimeSeconds},
     * or {@code null} when the user is unknown or its credential has expired (the server answers 401).
     */
    @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds);

    /**
     * The username whose USERHASH (SHA-256 of "username:realm") is {@code userhash}, or {@code null} when
     * this authenticator cannot invert it (schemes that derive passwords from the username cannot).
     */
    default @Nullable String usernameForUserhash(byte[] userhash, String realm) {
        return null;
    }

    /**
     * Tries each authenticator in turn; the first non-null answer wins, for {@link #credential} and
     * {@link #usernameForUserhash} alike. With no authenticators every user is unknown.
     */
    static Authenticator firstOf(Authenticator... authenticators) {
        return new FirstMatchingAuthenticator(authenticators);
    }
}
