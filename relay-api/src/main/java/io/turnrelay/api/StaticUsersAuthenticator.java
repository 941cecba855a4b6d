package io.turnrelay.api;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A fixed table of username to password, e.g. from {@code --user NAME:PASSWORD}. Any realm. */
public final class StaticUsersAuthenticator implements Authenticator {

    public StaticUsersAuthenticator(Map<String, String> passwordsByUsername) {
        throw new UnsupportedOperationException("api skeleton");
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        throw new UnsupportedOperationException("api skeleton");
    }

    @Override
    public @Nullable String usernameForUserhash(byte[] userhash, String realm) {
        throw new UnsupportedOperationException("api skeleton");
    }
}
