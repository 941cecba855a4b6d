package io.turnrelay.examples;

import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.TurnRestAuthenticator;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;

/**
 * Example 3: TURN REST API credentials (the scheme of coturn's {@code use-auth-secret}). The application
 * shares a secret with the relay and mints short-lived credentials for its users, e.g. in the response that
 * hands a browser its {@code iceServers}; the relay checks them without any user table.
 */
public final class TurnRestCredentialsExample {
    private TurnRestCredentialsExample() {}

    /** What the application hands to a client. */
    public record IceCredentials(String username, String credential) {}

    /** The application side: mints a credential for {@code user}, valid for {@code validity}. */
    public static IceCredentials mint(String sharedSecret, String user, Duration validity, Clock clock) {
        long expiry = clock.instant().plus(validity).getEpochSecond();
        String username = expiry + ":" + user;
        return new IceCredentials(username, new TurnRestAuthenticator(sharedSecret).passwordFor(username));
    }

    /** The relay side: accepts any credential minted with the same secret until it expires. */
    public static Relay start(String sharedSecret, int listenPort, int lowestRelayPort, int highestRelayPort) throws RelayStartException {
        Relay relay = Relay.create(RelayConfig.builder()
                .bindIpv4(InetAddress.getLoopbackAddress())
                .listenPort(listenPort)
                .portRange(lowestRelayPort, highestRelayPort)
                .authenticator(new TurnRestAuthenticator(sharedSecret))
                .build());
        relay.start();
        return relay;
    }

    public static void main(String[] args) throws Exception {
        String secret = "change-me-shared-with-the-application";
        try (Relay relay = start(secret, 3478, 49152, 49252)) {
            IceCredentials credentials = mint(secret, "dave", Duration.ofHours(1), Clock.systemUTC());
            System.out.printf("{\"urls\":\"turn:127.0.0.1:3478?transport=udp\",\"username\":\"%s\",\"credential\":\"%s\"}%n",
                    credentials.username(), credentials.credential());
            System.out.println("Press Enter to stop");
            System.in.read();
        }
    }
}
