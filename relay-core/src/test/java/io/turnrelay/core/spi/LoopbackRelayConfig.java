package io.turnrelay.core.spi;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The relay configuration socket tests share: everything on 127.0.0.1, static users, loopback peers allowed. */
public final class LoopbackRelayConfig {
    private LoopbackRelayConfig() {}

    /**
     * A builder listening on {@code listenPort} with {@code relayPorts} relay ports in a random window below the
     * kernel's ephemeral range (so client sockets never land in it; taken ports are skipped anyway).
     */
    public static RelayConfig.Builder builder(int listenPort, int relayPorts, Map<String, String> passwordsByUser) {
        int lowest = 20_000 + ThreadLocalRandom.current().nextInt(0, 10_000);
        return RelayConfig.builder()
                .listenPort(listenPort)
                .bindIpv4(InetAddress.getLoopbackAddress())
                .portRange(lowest, lowest + relayPorts - 1)
                .authenticator(new StaticUsersAuthenticator(passwordsByUser))
                .peerPolicy(PeerAddressPolicy.builder().allowLoopback(true).build());
    }
}
