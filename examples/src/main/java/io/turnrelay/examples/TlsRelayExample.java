package io.turnrelay.examples;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.tls.ReloadResult;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.api.tls.TlsCredentialsException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Example 4: TURN over UDP, TCP and TLS. Run it with a PEM certificate chain (the server's own certificate first)
 * and its unencrypted PKCS#8 key: {@code TlsRelayExample chain.pem key.pem}. Clients then reach it as
 * {@code turn:127.0.0.1:3478?transport=udp}, {@code turn:127.0.0.1:3478?transport=tcp} and
 * {@code turns:localhost:5349?transport=tcp} (a {@code turns:} client checks the certificate against the host
 * name), user {@code alice}, password {@code wonderland}.
 */
public final class TlsRelayExample {
    private TlsRelayExample() {}

    /**
     * Starts a relay on loopback: UDP and TCP on {@code listenPort}, TLS on {@code tlsPort} with {@code tls}.
     * Keep {@code tls} to {@link TlsCredentials#reload()} it when the files change.
     */
    public static Relay start(TlsCredentials tls, int listenPort, int tlsPort, int lowestRelayPort, int highestRelayPort)
            throws RelayStartException {
        RelayConfig config = RelayConfig.builder()
                .bindIpv4(InetAddress.getLoopbackAddress())
                .listenPort(listenPort) // UDP, and TCP (on by default; tcp(false) turns it off)
                .tls(tls)
                .tlsListenPorts(List.of(tlsPort))
                .portRange(lowestRelayPort, highestRelayPort)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "wonderland")))
                .build();
        Relay relay = Relay.create(config);
        relay.start();
        return relay;
    }

    /** One line per listener, e.g. {@code udp 127.0.0.1:3478}, {@code tcp 127.0.0.1:3478}, {@code tls 127.0.0.1:5349}. */
    public static List<String> listeners(Relay relay) {
        return relay.listeners().stream().map(ClientListener::toString).toList();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: TlsRelayExample CERTIFICATE_CHAIN.pem PRIVATE_KEY.pem");
            System.exit(2);
        }
        TlsCredentials tls;
        try {
            tls = TlsCredentials.fromPem(Path.of(args[0]), Path.of(args[1]));
        } catch (TlsCredentialsException e) {
            System.err.println(e.getMessage()); // "<file>: <reason>"
            System.exit(2);
            return;
        }
        Relay relay = start(tls, 3478, 5349, 49152, 49252);
        // Renewed files (e.g. by certbot) serve new connections from the next check on; live ones keep theirs.
        ScheduledExecutorService reloads = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        reloads.scheduleWithFixedDelay(() -> {
            ReloadResult result = tls.reload();
            if (result.status() != ReloadResult.Status.UNCHANGED) {
                System.out.println(result);
            }
        }, 1, 1, TimeUnit.MINUTES);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reloads.shutdownNow();
            relay.close();
            stopped.countDown();
        }));
        System.out.println("Relay over " + relay.transportDescription() + " with " + tls.certificateChain().get(0).getSubjectX500Principal().getName()
                + " until " + tls.notAfter() + ", listening on:");
        listeners(relay).forEach(listener -> System.out.println("  " + listener));
        System.out.println("Ctrl-C stops it");
        stopped.await();
    }
}
