package io.turnrelay.examples;

import io.turnrelay.api.Authenticator;
import io.turnrelay.api.LongTermCredential;
import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Example 2: an {@link Authenticator} backed by the application's own user store. The store keeps only
 * the MD5 long-term key of each user (as coturn's databases keep "HA1" keys), never the password, and a
 * disabled account is refused at once.
 */
public final class CustomAuthenticatorExample {
    private CustomAuthenticatorExample() {}

    /** Stands in for the application's database of accounts. */
    public static final class UserStore {
        private record Account(byte[] md5Key, boolean enabled) {}

        private final Map<String, Account> accounts = new ConcurrentHashMap<>();
        private final String realm;

        public UserStore(String realm) {
            this.realm = realm;
        }

        /** Registers a user; only the derived key is kept. */
        public void register(String username, String password) {
            accounts.put(username, new Account(PasswordAlgorithm.MD5.deriveKey(username, realm, password), true));
        }

        public void disable(String username) {
            accounts.computeIfPresent(username, (name, account) -> new Account(account.md5Key(), false));
        }

        @Nullable byte[] enabledKey(String username) {
            Account account = accounts.get(username);
            return account == null || !account.enabled() ? null : account.md5Key();
        }
    }

    /** Adapts the store to the relay's SPI; runs on relay threads, so it only reads a concurrent map. */
    public static final class UserStoreAuthenticator implements Authenticator {
        private final UserStore store;

        public UserStoreAuthenticator(UserStore store) {
            this.store = store;
        }

        @Override
        public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
            byte[] key = store.enabledKey(username);
            return key == null || !realm.equals(store.realm) ? null : LongTermCredential.ofMd5Key(key);
        }
    }

    public static Relay start(UserStore store, int listenPort, int lowestRelayPort, int highestRelayPort) throws RelayStartException {
        Relay relay = Relay.create(RelayConfig.builder()
                .bindIpv4(InetAddress.getLoopbackAddress())
                .listenPort(listenPort)
                .portRange(lowestRelayPort, highestRelayPort)
                .realm(store.realm)
                .authenticator(new UserStoreAuthenticator(store))
                .build());
        relay.start();
        return relay;
    }

    public static void main(String[] args) throws Exception {
        UserStore store = new UserStore("example.com");
        store.register("carol", "correct horse battery staple");
        try (Relay relay = start(store, 3478, 49152, 49252)) {
            System.out.println("Relay for the application's users on " + relay.listenAddresses() + "; press Enter to stop");
            System.in.read();
        }
    }
}
