package io.turnrelay.examples;

import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.StaticUsersAuthenticator;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Example 1: a relay inside a plain {@code main}, with a fixed table of users. Run it and point a TURN
 * client at {@code turn:127.0.0.1:3478} with user {@code alice}, password {@code wonderland}.
 */
public final class EmbeddedRelayExample {
    private EmbeddedRelayExample() {}

    /** Starts a relay on loopback with two static users. */
    public static Relay start(int listenPort, int lowestRelayPort, int highestRelayPort) throws RelayStartException {
        RelayConfig config = RelayConfig.builder()
                .bindIpv4(InetAddress.getLoopbackAddress()) // also announced as the relay address
                .listenPort(listenPort)
                .portRange(lowestRelayPort, highestRelayPort)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "wonderland", "bob", "builder")))
                .build();
        Relay relay = Relay.create(config);
        relay.start();
        return relay;
    }

    public static void main(String[] args) throws Exception {
        Relay relay = start(3478, 49152, 49252);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
        }));
        System.out.println("Relay listening on " + relay.listenAddresses() + " over " + relay.transportName() + "; Ctrl-C stops it");
        stopped.await();
    }
}
