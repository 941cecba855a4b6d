package io.turnrelay.core.turn;

import io.turnrelay.api.Authenticator;
import io.turnrelay.api.LongTermCredential;
import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.api.events.AuthenticationFailure;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.PasswordAlgorithmEntry;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.spi.ClientLink;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Long-term credential checks of RFC 8489 §9.2.4, in the RFC's order: integrity present (else 401),
 * USERNAME/USERHASH + REALM + NONCE present (else 400), known user (else 401), PASSWORD-ALGORITHM(S)
 * consistent with what the nonce offered (else 400), integrity correct (else 401), nonce ours and fresh
 * (else 438). Creates no state.
 */
final class RequestAuthenticator {
    /** What a 401/438 offers, in this order; PASSWORD-ALGORITHMS in the request must repeat it exactly. */
    static final List<PasswordAlgorithmEntry> OFFERED = List.of(
            new PasswordAlgorithmEntry(PasswordAlgorithmEntry.MD5, new byte[0]),
            new PasswordAlgorithmEntry(PasswordAlgorithmEntry.SHA256, new byte[0]));

    /**
     * Either the credentials, or the error code to answer with; a refusal of credentials that were presented says
     * why ({@code failure}) and for which user, as far as it is known.
     */
    record Outcome(Credentials credentials, int errorCode, @Nullable AuthenticationFailure failure, @Nullable String username) {
        static Outcome reject(int code) {
            return new Outcome(new Credentials("", new byte[0], false), code, null, null);
        }

        static Outcome fail(AuthenticationFailure failure, @Nullable String username) {
            return new Outcome(new Credentials("", new byte[0], false), ErrorCode.UNAUTHENTICATED, failure, username);
        }

        boolean accepted() {
            return errorCode == 0;
        }
    }

    private final Authenticator authenticator;
    private final String realm;
    private final LongSupplier unixClock;
    private final NonceIssuer nonces;

    RequestAuthenticator(Authenticator authenticator, String realm, LongSupplier unixClock, NonceIssuer nonces) {
        this.authenticator = authenticator;
        this.realm = realm;
        this.unixClock = unixClock;
        this.nonces = nonces;
    }

    Outcome authenticate(StunMessage request, ClientLink client, long now) {
        boolean sha256 = request.hasMessageIntegritySha256();
        if (!sha256 && !request.hasMessageIntegrity()) {
            return Outcome.reject(ErrorCode.UNAUTHENTICATED);
        }
        String presentedRealm = request.realm();
        String nonce = request.nonce();
        String username = request.username();
        byte[] userhash = request.userhash();
        if ((username == null && userhash == null) || presentedRealm == null || nonce == null) {
            return Outcome.reject(ErrorCode.BAD_REQUEST);
        }
        if (!realm.equals(presentedRealm)) {
            return Outcome.fail(AuthenticationFailure.WRONG_REALM, username);
        }
        if (username == null) {
            username = authenticator.usernameForUserhash(userhash, realm);
            if (username == null) {
                return Outcome.fail(AuthenticationFailure.NO_CREDENTIAL, null);
            }
        }
        LongTermCredential credential = authenticator.credential(username, realm, unixClock.getAsLong());
        if (credential == null) {
            return Outcome.fail(AuthenticationFailure.NO_CREDENTIAL, username);
        }
        PasswordAlgorithm algorithm = PasswordAlgorithm.MD5;
        if (NonceIssuer.advertisesPasswordAlgorithms(nonce)) {
            List<PasswordAlgorithmEntry> echoed = request.passwordAlgorithms();
            PasswordAlgorithmEntry chosen = request.passwordAlgorithm();
            boolean hasList = request.has(io.turnrelay.core.stun.AttributeType.PASSWORD_ALGORITHMS);
            if (hasList != (chosen != null)) {
                return Outcome.reject(ErrorCode.BAD_REQUEST);
            }
            if (chosen != null) {
                if (!sameAsOffered(echoed)) {
                    return Outcome.reject(ErrorCode.BAD_REQUEST);
                }
                if (chosen.parameters().length != 0) {
                    return Outcome.reject(ErrorCode.BAD_REQUEST);
                }
                if (chosen.algorithm() == PasswordAlgorithmEntry.SHA256) {
                    algorithm = PasswordAlgorithm.SHA256;
                } else if (chosen.algorithm() != PasswordAlgorithmEntry.MD5) {
                    return Outcome.reject(ErrorCode.BAD_REQUEST);
                }
            }
        }
        byte[] key = verifiedKey(request, credential, algorithm, username, sha256);
        if (key == null && sha256 && request.passwordAlgorithm() == null) {
            // Without negotiation RFC 8489 says MD5 key; RFC 8489 Appendix B.1, and clients built on it,
            // pair MESSAGE-INTEGRITY-SHA256 with the SHA-256 key. Both come from the same password.
            key = verifiedKey(request, credential, PasswordAlgorithm.SHA256, username, true);
        }
        if (key == null) {
            return Outcome.fail(AuthenticationFailure.WRONG_PASSWORD, username);
        }
        if (nonces.check(nonce, client, now) != NonceIssuer.Verdict.VALID) {
            return Outcome.reject(ErrorCode.STALE_NONCE);
        }
        return new Outcome(new Credentials(username, key, sha256, credential.maxBps().orElse(-1)), 0, null, null);
    }

    /** The key of {@code algorithm} if the request's integrity verifies under it, else null. */
    private byte @Nullable [] verifiedKey(StunMessage request, LongTermCredential credential, PasswordAlgorithm algorithm,
            String username, boolean sha256) {
        byte[] key = credential.key(algorithm, username, realm);
        if (key == null) {
            return null;
        }
        boolean intact = sha256 ? request.verifyMessageIntegritySha256(key) : request.verifyMessageIntegrity(key);
        return intact ? key : null;
    }

    private static boolean sameAsOffered(List<PasswordAlgorithmEntry> echoed) {
        if (echoed.size() != OFFERED.size()) {
            return false;
        }
        for (int i = 0; i < echoed.size(); i++) {
            PasswordAlgorithmEntry e = echoed.get(i);
            if (e.algorithm() != OFFERED.get(i).algorithm() || e.parameters().length != 0) {
                return false;
            }
        }
        return true;
    }
}
