package io.turnrelay.bench;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.relay.ShardedRelay;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.management.ObjectName;

/**
 * Starts a {@link ShardedRelay} for the load benchmark, so the benchmark does not depend on the CLI.
 *
 * <p>Loopback peers are allowed, because the benchmark's echo peer runs on loopback. Options:
 * {@code --transport nio|netty --listen-port P --lowest-port L --highest-port H --bind-ip4-addr A
 * --user NAME:PASSWORD --realm R --workers N --user-quota N --rfc5766-channel-numbers}; for TCP and TLS clients (TCP listens on the listen
 * port by default) {@code --no-tcp}, {@code --tls-cert CHAIN.pem --tls-key KEY.pem} or
 * {@code --tls-pkcs12 FILE --tls-password P}, {@code --tls-listen-port P} (5349), {@code --max-connections-per-ip N},
 * {@code --max-connections N}, {@code --stream-send-queue BYTES} and {@code --allocate-timeout S}, named as relay-cli
 * names them. It runs until killed.
 *
 * <p>With {@code --control} it also reads commands on stdin, one per line, answering each with one line on stdout
 * (for the footprint tools, which run it as a child process): {@code heap} ({@code heap used=BYTES}, the smallest of
 * three readings each after a full {@code System.gc()}), {@code stats} ({@code stats allocations=N ...}),
 * {@code histogram} (the JVM's class histogram between {@code histogram-begin} and {@code histogram-end}) and
 * {@code quit}. The end of stdin stops it too, so it never outlives its parent.
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
        boolean tcp = true;
        String tlsCert = null;
        String tlsKey = null;
        String tlsPkcs12 = null;
        String tlsPassword = "";
        int tlsPort = 5349;
        StreamSettings streams = StreamSettings.defaults();
        boolean control = false;
        boolean rfc5766Channels = false;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--no-tcp" -> {
                    tcp = false;
                    continue;
                }
                case "--control" -> {
                    control = true;
                    continue;
                }
                case "--rfc5766-channel-numbers" -> {
                    rfc5766Channels = true;
                    continue;
                }
                case "--transport" -> transport = value;
                case "--listen-port" -> listenPort = Integer.parseInt(value);
                case "--lowest-port" -> lowest = Integer.parseInt(value);
                case "--highest-port" -> highest = Integer.parseInt(value);
                case "--bind-ip4-addr" -> bind = value;
                case "--user" -> user = value;
                case "--realm" -> realm = value;
                case "--workers" -> workers = Integer.parseInt(value);
                case "--user-quota" -> userQuota = Integer.parseInt(value);
                case "--tls-cert" -> tlsCert = value;
                case "--tls-key" -> tlsKey = value;
                case "--tls-pkcs12" -> tlsPkcs12 = value;
                case "--tls-password" -> tlsPassword = value;
                case "--tls-listen-port" -> tlsPort = Integer.parseInt(value);
                case "--max-connections-per-ip" -> streams = streams.withConnectionLimits(Integer.parseInt(value), streams.maxConnections());
                case "--max-connections" -> streams = streams.withConnectionLimits(streams.maxConnectionsPerIp(), Integer.parseInt(value));
                case "--stream-send-queue" -> streams = streams.withSendQueueBytes(Integer.parseInt(value));
                case "--allocate-timeout" -> streams = streams.withTimeouts(streams.tlsHandshakeTimeout(),
                        Duration.ofSeconds(Long.parseLong(value)), streams.partialFrameTimeout(), streams.sendStallTimeout());
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        TlsCredentials tls = null;
        if (tlsPkcs12 != null) {
            tls = TlsCredentials.fromPkcs12(Path.of(tlsPkcs12), tlsPassword.toCharArray());
        } else if (tlsCert != null || tlsKey != null) {
            if (tlsCert == null || tlsKey == null) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            tls = TlsCredentials.fromPem(Path.of(tlsCert), Path.of(tlsKey));
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
                .tcp(tcp)
                .tls(tls)
                .tlsListenPorts(List.of(tlsPort))
                .streams(streams)
                .rfc5766ChannelNumbers(rfc5766Channels)
                .build();
        ShardedRelay relay = ShardedRelay.create(config);
        relay.start();
        System.out.println("bench relay: transport=" + relay.transportName() + " listeners=" + relay.listeners()
                + " ports=" + lowest + "-" + highest + " workers=" + workers + " max_connections_per_ip=" + streams.maxConnectionsPerIp()
                + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        if (control) {
            try {
                control(relay);
            } finally {
                relay.close();
            }
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    private static void control(ShardedRelay relay) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.trim()) {
                case "heap" -> System.out.println("heap used=" + settledHeapUsed());
                case "stats" -> System.out.println(statsLine(relay.stats()));
                case "histogram" -> {
                    System.out.println("histogram-begin");
                    System.out.println(ManagementFactory.getPlatformMBeanServer().invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                            new Object[] {new String[0]}, new String[] {String[].class.getName()}));
                    System.out.println("histogram-end");
                }
                case "quit" -> {
                    return;
                }
                default -> System.out.println("error unknown command " + line);
            }
            System.out.flush();
        }
    }

    /** Heap in use after full collections: the smallest of three readings, each straight after {@code System.gc()}. */
    static long settledHeapUsed() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    static String statsLine(RelayStats stats) {
        StringBuilder line = new StringBuilder("stats allocations=").append(stats.allocations());
        for (ClientTransport transport : ClientTransport.values()) {
            ClientTransportStats t = stats.of(transport);
            String label = transport.label();
            line.append(' ').append(label).append("_allocations=").append(t.allocations())
                    .append(' ').append(label).append("_open=").append(t.connectionsOpen())
                    .append(' ').append(label).append("_accepted=").append(t.connectionsAccepted())
                    .append(' ').append(label).append("_closed=").append(t.connectionsClosed().values().stream().mapToLong(Long::longValue).sum());
        }
        return line.toString();
    }
}
