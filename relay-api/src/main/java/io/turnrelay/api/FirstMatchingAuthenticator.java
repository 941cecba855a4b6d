package io.turnrelay.api;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The chain behind {@link Authenticator#firstOf}: asks each delegate in order until one answers. */
final class FirstMatchingAuthenticator implements Authenticator {
    private final Authenticator[] delegates;

    FirstMatchingAuthenticator(Authenticator[] delegates) {
        this.delegates = delegates.clone();
        for (int i = 0; i < this.delegates.length; i++) {
            Objects.requireNonNull(this.delegates[i], "authenticator " + i);
        }
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        for (Authenticator delegate : delegates) {
            LongTermCredential credential = delegate.credential(username, realm, unixTimeSeconds);
            if (credential != null) {
                return credential;
            }
        }
        return null;
    }

    @Override
    public @Nullable String usernameForUserhash(byte[] userhash, String realm) {
        for (Authenticator delegate : delegates) {
            String username = delegate.usernameForUserhash(userhash, realm);
            if (username != null) {
                return username;
            }
        }
        return null;
    }
}
