package io.turnrelay.bench;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.relay.ShardedRelay;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a {@link ShardedRelay} for the load benchmark, so the benchmark does not depend on the CLI.
 *
 * <p>Loopback peers are allowed, because the benchmark's echo peer runs on loopback. Options:
 * {@code --transport nio|netty --listen-port P --lowest-port L --highest-port H --bind-ip4-addr A
 * --user NAME:PASSWORD --realm R --workers N --user-quota N}. It runs until killed.
 */
public final class BenchRelayMain {
    private BenchRelayMain() {}

    public static void main(String[] args) throws Exception {
        String transport = "nio";
        int listenPort = 3478;
        int lowest = 49152;
        int highest = 65535;
        String bind = "127.0.0.1";
        String user = "alice:s3cret";
        String realm = "turnrelay";
        int workers = Runtime.getRuntime().availableProcessors();
        int userQuota = 100_000;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--transport" -> transport = value;
                case "--listen-port" -> listenPort = Integer.parseInt(value);
                case "--lowest-port" -> lowest = Integer.parseInt(value);
                case "--highest-port" -> highest = Integer.parseInt(value);
                case "--bind-ip4-addr" -> bind = value;
                case "--user" -> user = value;
                case "--realm" -> realm = value;
                case "--workers" -> workers = Integer.parseInt(value);
                case "--user-quota" -> userQuota = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        int colon = user.indexOf(':');
        InetAddress bindAddress = InetAddress.getByName(bind);
        RelayConfig config = RelayConfig.builder()
                .transport(transport)
                .listenPort(listenPort)
                .bindIpv4(bindAddress)
                .publicIpv4(bindAddress)
                .portRange(lowest, highest)
                .realm(realm)
                .authenticator(new StaticUsersAuthenticator(Map.of(user.substring(0, colon), user.substring(colon + 1))))
                .peerPolicy(PeerAddressPolicy.builder().allowLoopback(true).allowPrivate(true).build())
                .maxAllocationsPerUser(userQuota)
                .workers(workers)
                .build();
        ShardedRelay relay = ShardedRelay.create(config);
        relay.start();
        System.out.println("bench relay: transport=" + relay.transportName() + " listen=" + relay.listenAddresses()
                + " ports=" + lowest + "-" + highest + " workers=" + workers + " pid=" + ProcessHandle.current().pid());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
