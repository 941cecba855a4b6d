package io.turnrelay.api;

import org.jspecify.annotations.Nullable;

/**
 * The Firezone portal's scheme: realm {@code firezone}, USERNAME {@code <unix-expiry>:<salt>}, password
 * base64-without-padding(SHA-256("<expiry>:<secret-hex>:<salt>")), where the secret is 32 random bytes
 * written as 64 lowercase hex characters and shared with the portal at join.
 */
public final class FirezoneAuthenticator implements Authenticator {
    public static final String REALM = "firezone";

    public FirezoneAuthenticator(String secretHex) {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** The password for {@code <expiry>:<salt>} under this relay's secret. */
    public String passwordFor(long expiryUnixSeconds, String salt) {
        throw new UnsupportedOperationException("api skeleton");
    }

    public String secretHex() {
        throw new UnsupportedOperationException("api skeleton");
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        throw new UnsupportedOperationException("api skeleton");
    }
}
