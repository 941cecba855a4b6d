package io.turnrelay.api.events;

import java.util.Locale;

/**
 * Why a request that carried credentials was refused. A request without credentials, answered with the 401
 * challenge every client gets first, and a stale nonce (438, which clients retry) are not failures.
 */
public enum AuthenticationFailure {
    /** The authenticator has no credential for the user: unknown, disabled, or an expired TURN REST username. */
    NO_CREDENTIAL,
    /** MESSAGE-INTEGRITY did not verify with the user's key: most often a wrong password. */
    WRONG_PASSWORD,
    /** The REALM is not the relay's. */
    WRONG_REALM,
    /** The credentials are valid, but the 5-tuple's allocation belongs to another user (441). */
    ALLOCATION_OF_ANOTHER_USER;

    /** The lower-case name used in logs and metrics: {@code no_credential}, {@code wrong_password}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
