package io.turnrelay.cli.interop;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.cli.ops.Scrape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A TURN server process on loopback for interop runs: our relay-cli binary on a given transport, or coturn's
 * {@code turnserver}, configured alike: user ninefingers, realm turnrelay, IPv4 127.0.0.1 and IPv6 ::1, clients
 * over UDP and TCP on {@link #port} and, when asked for, over TLS on {@link #tlsPort} with the certificate of
 * {@link #certificate()}. {@link #start} returns only once every one of those listeners, on both addresses, has
 * answered a STUN Binding request (see {@link ListenerProbe}).
 */
final class TurnServerUnderTest implements AutoCloseable {
    static final String USER = "ninefingers";
    static final String PASSWORD = "youhavetoberealistic";
    static final String REST_SECRET = "northsecret";
    static final Path RELAY_CLI = Path.of("target", "relay-cli", "bin", "relay-cli");
    /** Both loopback addresses: every server listens on each of them. */
    static final List<String> HOSTS = List.of("127.0.0.1", "::1");
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final int START_ATTEMPTS = 3;
    /**
     * Relay port ranges of 200 ports in 10000-19999, below the kernel's ephemeral ports and the 20000-29999 window
     * of relay-core's socket tests, handed out in turn so that servers running at once never share one.
     */
    private static final int RANGE_BLOCKS = 50;
    private static final AtomicInteger NEXT_RANGE = new AtomicInteger(ThreadLocalRandom.current().nextInt(RANGE_BLOCKS));
    private static TestCertificates.Leaf certificate;

    /** How a server is set up; each kind of server gets the same setting its own way. */
    enum Setup {
        /** Static user and loopback peers allowed. */
        OPEN,
        /** TURN REST API credentials only, loopback peers allowed. */
        REST,
        /** Default peer policy: loopback peers are forbidden. */
        STRICT_POLICY,
        /** One allocation per user. */
        QUOTA_ONE,
        /** A single relay port. */
        ONE_PORT,
        /** Like {@link #OPEN}, with every allocation limited to {@link #MAX_BPS} bytes per second each way. */
        BANDWIDTH_LIMITED
    }

    /** The per-allocation bandwidth limit of {@link Setup#BANDWIDTH_LIMITED}, in bytes per second (coturn's max-bps). */
    static final int MAX_BPS = 20_000;

    final String kind;
    /** UDP and TCP clients. */
    final int port;
    /** TLS clients; 0 when the server was started without TLS. */
    final int tlsPort;
    /** Our relay's operations HTTP port (/metrics); 0 for coturn. */
    private final int operationsPort;
    private final ExternalProcess process;

    private TurnServerUnderTest(String kind, int port, int tlsPort, int operationsPort, ExternalProcess process) {
        this.kind = kind;
        this.port = port;
        this.tlsPort = tlsPort;
        this.operationsPort = operationsPort;
        this.process = process;
    }

    /**
     * The servers an interop suite runs against: {@code nio}, {@code netty} (our transports) and {@code coturn},
     * or those named in the system property {@code interop.servers} (comma-separated), e.g. while a transport
     * does not build.
     */
    static List<String> servers() {
        String chosen = System.getProperty("interop.servers", "");
        if (chosen.isBlank()) {
            return List.of("nio", "netty", "coturn");
        }
        return Stream.of(chosen.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    /**
     * The test certificate every TLS listener here serves (made once per JVM by the relay-api test helper): a
     * chain for 127.0.0.1, ::1 and localhost, issued by a CA of its own.
     */
    static synchronized TestCertificates.Leaf certificate() throws IOException {
        if (certificate == null) {
            Path directory = Files.createTempDirectory("turnrelay-interop-tls-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(directory)));
            certificate = TestCertificates.create(directory);
        }
        return certificate;
    }

    /** UDP and TCP clients only. */
    static TurnServerUnderTest start(String kind, Setup setup) throws Exception {
        return start(kind, setup, false);
    }

    /**
     * {@code kind} is "coturn" or a transport name of ours ("nio", "netty"); {@code tls} adds a TLS listener. A
     * start that fails because a port picked as free was taken in between is retried on other ports.
     */
    static TurnServerUnderTest start(String kind, Setup setup, boolean tls) throws Exception {
        return start(kind, setup, tls, List.of());
    }

    /** As {@link #start(String, Setup, boolean)}, our relay with {@code extraOptions} after the usual ones. */
    static TurnServerUnderTest start(String kind, Setup setup, boolean tls, List<String> extraOptions) throws Exception {
        if (kind.equals("coturn") && !extraOptions.isEmpty()) {
            throw new IllegalArgumentException("extra options are relay-cli's: " + extraOptions);
        }
        for (int attempt = 1; ; attempt++) {
            int port = LoopbackPorts.freeUdpAndTcpPort();
            int tlsPort = tls ? LoopbackPorts.freeTcpPort() : 0;
            int lowest = freeRelayPortRange();
            int highest = setup == Setup.ONE_PORT ? lowest : lowest + 199;
            int operationsPort = kind.equals("coturn") ? 0 : LoopbackPorts.freeTcpPort();
            List<String> command = kind.equals("coturn")
                    ? coturn(port, tlsPort, lowest, highest, setup)
                    : ours(kind, port, tlsPort, operationsPort, lowest, highest, setup);
            command.addAll(extraOptions);
            ExternalProcess process = ExternalProcess.start(command);
            TurnServerUnderTest server = new TurnServerUnderTest(kind, port, tlsPort, operationsPort, process);
            try {
                server.awaitEveryListener();
                return server;
            } catch (AssertionError | RuntimeException | IOException e) {
                String log = server.log();
                server.close();
                if (attempt < START_ATTEMPTS && !process.isAlive() && log.contains("in use")) {
                    continue; // lost a port race with another process: other ports
                }
                throw e;
            }
        }
    }

    /**
     * The lowest port of the next 200-port range whose ports can all be bound on 127.0.0.1 now: another process
     * holding them (another build on the machine) would make every Allocate fail with 508.
     */
    private static int freeRelayPortRange() {
        int lowest = 0;
        for (int tried = 0; tried < RANGE_BLOCKS; tried++) {
            lowest = 10_000 + 200 * Math.floorMod(NEXT_RANGE.getAndIncrement(), RANGE_BLOCKS);
            if (LoopbackPorts.allBindable(lowest, lowest + 199)) {
                return lowest;
            }
        }
        return lowest;
    }

    /** The port of the listener for {@code transport} clients. */
    int port(ClientTransport transport) {
        if (transport == ClientTransport.TLS) {
            if (tlsPort == 0) {
                throw new IllegalStateException(kind + " was started without TLS");
            }
            return tlsPort;
        }
        return port;
    }

    /** Every listener of this server, as the probe that tells it is ready. */
    List<ListenerProbe> listeners() throws IOException {
        List<ListenerProbe> listeners = new ArrayList<>();
        for (String host : HOSTS) {
            listeners.add(new ListenerProbe(ClientTransport.UDP, host, port, null));
            listeners.add(new ListenerProbe(ClientTransport.TCP, host, port, null));
            if (tlsPort != 0) {
                listeners.add(new ListenerProbe(ClientTransport.TLS, host, tlsPort, certificate().clientContextTrustingCa()));
            }
        }
        return listeners;
    }

    private static List<String> ours(String transport, int port, int tlsPort, int operationsPort, int lowest, int highest, Setup setup)
            throws IOException {
        if (!Files.isExecutable(RELAY_CLI)) {
            throw new AssertionError(RELAY_CLI.toAbsolutePath() + " is missing: the package phase builds it");
        }
        List<String> command = new ArrayList<>(List.of(RELAY_CLI.toString(),
                "--transport", transport,
                "--listen-port", Integer.toString(port),
                "--lowest-port", Integer.toString(lowest),
                "--highest-port", Integer.toString(highest),
                "--bind-ip4-addr", "127.0.0.1", "--public-ip4-addr", "127.0.0.1",
                "--bind-ip6-addr", "::1", "--public-ip6-addr", "::1",
                "--health-check-addr", "127.0.0.1:" + operationsPort,
                "--realm", "turnrelay",
                "--rfc5766-channel-numbers"));
        if (tlsPort != 0) {
            command.addAll(List.of("--tls-cert", certificate().chainPem().toString(), "--tls-key", certificate().keyPem().toString(),
                    "--tls-listen-port", Integer.toString(tlsPort)));
        }
        if (setup == Setup.REST) {
            command.addAll(List.of("--auth-secret", REST_SECRET));
        } else {
            command.addAll(List.of("--user", USER + ":" + PASSWORD));
        }
        if (setup != Setup.STRICT_POLICY) {
            command.add("--allow-loopback-peers");
        }
        if (setup == Setup.BANDWIDTH_LIMITED) {
            command.addAll(List.of("--max-bps", Integer.toString(MAX_BPS)));
        }
        // coturn sets no per-user quota unless asked; ours defaults to 10, too few for uclient -m 10 with RTCP.
        command.addAll(List.of("--user-quota", setup == Setup.QUOTA_ONE ? "1" : "1000"));
        return command;
    }

    private static List<String> coturn(int port, int tlsPort, int lowest, int highest, Setup setup) throws IOException {
        List<String> command = new ArrayList<>(List.of("turnserver", "-n",
                "--listening-port=" + port, "--listening-ip=127.0.0.1", "--listening-ip=::1",
                "--relay-ip=127.0.0.1", "--relay-ip=::1",
                "--min-port=" + lowest, "--max-port=" + highest,
                "--realm=turnrelay", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log",
                "--pidfile=" + System.getProperty("java.io.tmpdir") + "/turnrelay-coturn-" + port + ".pid"));
        if (tlsPort != 0) {
            // PEM files OpenSSL reads: the chain (leaf, then CA) and the unencrypted PKCS#8 key.
            command.addAll(List.of("--tls-listening-port=" + tlsPort,
                    "--cert=" + certificate().chainPem(), "--pkey=" + certificate().keyPem()));
        } else {
            command.add("--no-tls");
        }
        if (setup == Setup.REST) {
            command.addAll(List.of("--use-auth-secret", "--static-auth-secret=" + REST_SECRET));
        } else {
            command.addAll(List.of("--lt-cred-mech", "--user=" + USER + ":" + PASSWORD));
        }
        if (setup != Setup.STRICT_POLICY) {
            command.add("--allow-loopback-peers");
        }
        if (setup == Setup.QUOTA_ONE) {
            command.add("--user-quota=1");
        }
        if (setup == Setup.BANDWIDTH_LIMITED) {
            command.add("--max-bps=" + MAX_BPS);
        }
        return command;
    }

    /**
     * Waits until every listener answers a Binding request, all within one bound: a server opens its listeners
     * one after the other (coturn in threads of their own), so an answer on one says nothing about the others.
     */
    private void awaitEveryListener() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT_MS * 1_000_000L;
        for (ListenerProbe listener : listeners()) {
            String failure = listener.awaitAnswer(deadline, process::isAlive);
            if (failure != null) {
                String why = process.isAlive() ? "did not answer within " + READY_TIMEOUT_MS + " ms (" + failure + ")" : "exited at start";
                throw new AssertionError(kind + ": " + listener + " " + why + "; server log:\n" + process.output());
            }
        }
    }

    /** Whether this is our relay (which has /metrics), not coturn. */
    boolean isOurs() {
        return operationsPort != 0;
    }

    /**
     * One sample of our relay's /metrics, e.g. {@code turnrelay_relayed_packets_total{transport="tls",direction="peer_to_client",datapath="userspace"}}
     * (labels in any order); fails when the relay does not export it.
     */
    long metric(String sample) throws IOException, InterruptedException {
        if (!isOurs()) {
            throw new IllegalStateException(kind + " has no /metrics");
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operationsPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        Scrape scrape = Scrape.parse(response.body());
        if (!scrape.has(sample)) {
            throw new AssertionError(kind + " exports no " + sample + " on /metrics:\n" + response.body());
        }
        return (long) scrape.value(sample);
    }

    String log() throws IOException {
        return process.output();
    }

    /** The last 2,000 characters of the server's output, for assertion messages. */
    String logTail() throws IOException {
        String log = log();
        return log.length() > 2000 ? log.substring(log.length() - 2000) : log;
    }

    @Override
    public void close() throws IOException {
        process.close();
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left behind at worst
        }
    }
}
