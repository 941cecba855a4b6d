package io.turnrelay.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A fixed table of username to password, e.g. from {@code --user NAME:PASSWORD}. Any realm.
 * Thread-safe; USERHASH lookups are answered from a table built once for the realm last asked about.
 */
public final class StaticUsersAuthenticator implements Authenticator {
    private final Map<String, String> passwordsByUsername;
    /** Userhash table of one realm; a relay serves one realm, so one entry avoids unbounded growth. */
    private volatile @Nullable UserhashTable userhashTable;

    public StaticUsersAuthenticator(Map<String, String> passwordsByUsername) {
        this.passwordsByUsername = Map.copyOf(passwordsByUsername);
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        String password = passwordsByUsername.get(username);
        return password == null ? null : LongTermCredential.ofPassword(password);
    }

    @Override
    public @Nullable String usernameForUserhash(byte[] userhash, String realm) {
        UserhashTable table = userhashTable;
        if (table == null || !table.realm.equals(realm)) {
            table = new UserhashTable(realm, passwordsByUsername.keySet());
            userhashTable = table;
        }
        return table.usernamesByHash.get(ByteBuffer.wrap(userhash));
    }

    /** SHA-256("username:realm") of every user, for one realm. */
    private static final class UserhashTable {
        final String realm;
        final Map<ByteBuffer, String> usernamesByHash;

        UserhashTable(String realm, Iterable<String> usernames) {
            this.realm = realm;
            Map<ByteBuffer, String> byHash = new HashMap<>();
            MessageDigest sha256 = PasswordAlgorithm.newDigest("SHA-256");
            for (String username : usernames) {
                sha256.update(username.getBytes(StandardCharsets.UTF_8));
                sha256.update((byte) ':');
                sha256.update(realm.getBytes(StandardCharsets.UTF_8));
                byHash.put(ByteBuffer.wrap(sha256.digest()), username);
            }
            this.usernamesByHash = byHash;
        }
    }
}
