package io.turnrelay.api;

import org.jspecify.annotations.Nullable;

/**
 * The TURN REST API scheme (coturn's {@code use-auth-secret}): USERNAME is {@code <unix-expiry>[:<user>]}
 * and the password is base64(HMAC-SHA1(shared secret, USERNAME)). Expired usernames, and expiries further
 * ahead than {@code maxValiditySeconds}, are refused. Times are 64-bit (no 2038 problem).
 */
public final class TurnRestAuthenticator implements Authenticator {

    /** Default furthest-ahead expiry accepted: 30 days. */
    public static final long DEFAULT_MAX_VALIDITY_SECONDS = 30L * 24 * 3600;

    public TurnRestAuthenticator(String sharedSecret) {
        throw new UnsupportedOperationException("api skeleton");
    }

    public TurnRestAuthenticator(String sharedSecret, long maxValiditySeconds) {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** The password a client must use for {@code username} (what an application mints for its users). */
    public String passwordFor(String username) {
        throw new UnsupportedOperationException("api skeleton");
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        throw new UnsupportedOperationException("api skeleton");
    }
}
