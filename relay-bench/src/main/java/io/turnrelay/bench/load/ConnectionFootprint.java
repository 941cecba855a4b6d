package io.turnrelay.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Heap and RSS a relay holds per idle TCP and per idle TLS client connection, each holding an allocation, with N of
 * each open at once.
 *
 * <p>Starts our relay as a child process ({@code BenchRelayMain --control}: UDP and TCP on one port, TLS on another,
 * a throwaway keytool certificate, relay ports 10000-31999, below the ephemeral range), with enough file descriptors
 * (through {@code prlimit} when this process's hard limit is too low; the relay needs about 4N: a connection and a
 * relay socket per client). Then, from this process: one TCP and one TLS client first (classes, lazily built tables),
 * heap after full GCs and RSS; N TCP clients, each connecting from one of the addresses 127.1.0.1 and up (32 per
 * address, under the relay's per-IP cap) and Allocating; heap and RSS again; N TLS clients likewise; heap and RSS
 * again. It checks that the relay holds all 2N + 2 allocations on as many open connections and that a new UDP, TCP
 * and TLS client can each still Allocate; then closes the N TLS connections and reads the heap once more (what the
 * JDK's TLS session cache keeps). It prints one line and, with {@code --histogram}, the classes whose live instances
 * grew the most per connection in each phase. Usage:
 * {@code java -cp benchmarks.jar io.turnrelay.bench.load.ConnectionFootprint [--connections N] [--transport nio]
 * [--workers W] [--relay-heap 1g] [--setup-threads T] [--tls-protocol TLSv1.3|TLSv1.2] [--key-type ec|rsa]
 * [--histogram]}. This process needs about 2N descriptors itself.
 */
public final class ConnectionFootprint {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret";
    private static final String STORE_PASSWORD = "changeit";
    private static final int LOWEST_PORT = 10_000;
    private static final int HIGHEST_PORT = 31_999;
    private static final int CLIENTS_PER_IP = 32;

    private final Options options;

    private ConnectionFootprint(Options options) {
        this.options = options;
    }

    /** Command-line options. */
    static final class Options {
        int connections = 10_000;
        String transport = "nio";
        int workers = Runtime.getRuntime().availableProcessors();
        String relayHeap = "1g";
        int setupThreads = 4;
        @Nullable String tlsProtocol;
        boolean histogram;
        String keyType = "ec";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--histogram" -> o.histogram = true;
                    case "--connections" -> o.connections = Integer.parseInt(args[++i]);
                    case "--transport" -> o.transport = args[++i];
                    case "--workers" -> o.workers = Integer.parseInt(args[++i]);
                    case "--relay-heap" -> o.relayHeap = args[++i];
                    case "--setup-threads" -> o.setupThreads = Integer.parseInt(args[++i]);
                    case "--tls-protocol" -> o.tlsProtocol = args[++i];
                    case "--key-type" -> o.keyType = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (o.connections < 1 || 2 * o.connections + 3 > HIGHEST_PORT - LOWEST_PORT + 1) {
                throw new IllegalArgumentException("--connections: 1 to " + (HIGHEST_PORT - LOWEST_PORT - 2) / 2);
            }
            return o;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            System.err.println("connection-footprint: " + e.getMessage());
            System.exit(2);
            return;
        }
        long ownLimit = ownFileLimit();
        if (ownLimit >= 0 && ownLimit < clientFilesNeeded(options.connections)) {
            System.err.println("connection-footprint: this process may open " + ownLimit + " files and needs about "
                    + clientFilesNeeded(options.connections) + " (raise ulimit -n, or ask for fewer --connections)");
            System.exit(2);
            return;
        }
        Result result;
        try {
            result = measure(options);
        } catch (IOException e) {
            System.err.println("connection-footprint: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println(result.line());
        result.histogram().forEach(System.out::println);
        System.exit(result.allHeld() && result.newcomers() ? 0 : 1);
    }

    /** Descriptors the relay process needs for {@code n} TCP and {@code n} TLS clients: a connection and a relay socket each. */
    static long relayFilesNeeded(int n) {
        return 4L * n + 256;
    }

    /** Descriptors the measuring process needs for its {@code n} + {@code n} client connections. */
    static long clientFilesNeeded(int n) {
        return 2L * n + 256;
    }

    /** The largest N (at most {@code wanted}) for which relay and clients fit a hard limit of {@code hardLimit} descriptors. */
    static int connectionsFitting(long hardLimit, int wanted) {
        return (int) Math.max(1, Math.min(wanted, (hardLimit - 256) / 4));
    }

    /**
     * What one measurement found. Heap is the relay's after full GCs ({@code heap*}), RSS its VmRSS; {@code *PerConnection}
     * are differences over N of the phase that opened (or, for {@code tlsRetained}, closed) N connections.
     */
    record Result(String transport, int connections, long heapBase, long heapAfterTcp, long heapAfterTls, long heapAfterTlsClosed,
                  long heapAfterTcpClosed,
                  long rssKiBBase, long rssKiBAfterTcp, long rssKiBAfterTls, Map<String, Long> stats, boolean newcomers,
                  double tcpSetupSeconds, double tlsSetupSeconds, String tlsSession, int workers, List<String> histogram) {
        long tcpBytesPerConnection() {
            return (heapAfterTcp - heapBase) / connections;
        }

        long tlsBytesPerConnection() {
            return (heapAfterTls - heapAfterTcp) / connections;
        }

        /** Heap still held per TLS connection once all N closed again (their allocations deleted). */
        long tlsRetainedBytesPerClosedConnection() {
            return (heapAfterTlsClosed - heapAfterTcp) / connections;
        }

        /** The same for the N TCP connections, closed after the TLS ones. */
        long tcpRetainedBytesPerClosedConnection() {
            return (heapAfterTcpClosed - heapBase - connections * tlsRetainedBytesPerClosedConnection()) / connections;
        }

        long stat(String name) {
            return stats.getOrDefault(name, -1L);
        }

        /** Whether the relay held 2N + 2 allocations (N of each kind and the two warm-up clients) on as many connections. */
        boolean allHeld() {
            return stat("allocations") == 2L * connections + 2 && stat("tcp_open") == connections + 1
                    && stat("tls_open") == connections + 1 && stat("tcp_allocations") == connections + 1
                    && stat("tls_allocations") == connections + 1;
        }

        String line() {
            return String.format(Locale.ROOT, "connection-footprint: transport=%s connections=%d tcp_bytes_per_connection=%d"
                            + " tls_bytes_per_connection=%d tcp_retained_bytes_per_closed_connection=%d"
                            + " tls_retained_bytes_per_closed_connection=%d tcp_rss_bytes_per_connection=%d"
                            + " tls_rss_bytes_per_connection=%d heap_base=%d heap_after_tcp=%d heap_after_tls=%d heap_after_tls_closed=%d"
                            + " rss_kib_base=%d rss_kib_after_tcp=%d rss_kib_after_tls=%d held_allocations=%d tcp_open=%d tls_open=%d"
                            + " tcp_allocations=%d tls_allocations=%d new_clients=%s tcp_setup_s=%.1f tls_setup_s=%.1f tls=\"%s\""
                            + " workers=%d jdk=%s",
                    transport, connections, tcpBytesPerConnection(), tlsBytesPerConnection(), tcpRetainedBytesPerClosedConnection(),
                    tlsRetainedBytesPerClosedConnection(),
                    (rssKiBAfterTcp - rssKiBBase) * 1024 / connections, (rssKiBAfterTls - rssKiBAfterTcp) * 1024 / connections,
                    heapBase, heapAfterTcp, heapAfterTls, heapAfterTlsClosed, rssKiBBase, rssKiBAfterTcp, rssKiBAfterTls,
                    stat("allocations"), stat("tcp_open"), stat("tls_open"), stat("tcp_allocations"), stat("tls_allocations"),
                    newcomers ? "ok" : "failed", tcpSetupSeconds, tlsSetupSeconds, tlsSession, workers, Runtime.version());
        }
    }

    /** Runs one measurement; the caller's process holds the 2N client connections. */
    static Result measure(Options options) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("turnrelay-footprint-");
        try {
            return new ConnectionFootprint(options).measure(dir, options.connections);
        } finally {
            for (String file : new String[] {"relay.p12", "relay.pem"}) {
                Files.deleteIfExists(dir.resolve(file));
            }
            Files.deleteIfExists(dir);
        }
    }

    private Result measure(Path dir, int n) throws IOException, InterruptedException {
        makeCertificate(dir, options.keyType);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        int listenPort = freePort(loopback, true);
        int tlsPort = freePort(loopback, false);
        List<String> relayArgs = List.of("--control", "--transport", options.transport, "--listen-port", Integer.toString(listenPort),
                "--tls-listen-port", Integer.toString(tlsPort), "--tls-pkcs12", dir.resolve("relay.p12").toString(),
                "--tls-password", STORE_PASSWORD, "--lowest-port", Integer.toString(LOWEST_PORT), "--highest-port",
                Integer.toString(HIGHEST_PORT), "--workers", Integer.toString(options.workers), "--user", USER + ":" + PASSWORD,
                "--user-quota", Integer.toString(2 * n + 100));
        SSLContext tls = ClientTls.trusting(dir.resolve("relay.pem"));
        InetSocketAddress tcpServer = new InetSocketAddress(loopback, listenPort);
        InetSocketAddress tlsServer = new InetSocketAddress(loopback, tlsPort);
        List<TurnClient> held = new ArrayList<>(n + 2);
        List<TurnClient> tlsHeld = new ArrayList<>(n);
        try (ChildJvm relay = ChildJvm.start(relayFilesNeeded(n), List.of("-Xmx" + options.relayHeap, "-Xms64m"),
                "io.turnrelay.bench.BenchRelayMain", relayArgs)) {
            System.err.println(relay.readLineStartingWith("bench relay:"));
            try {
                // Warm-up: one client of each kind, so classes and lazily built tables are in the baseline.
                held.add(connect(tcpServer, null, 0));
                held.add(connect(tlsServer, tls, 0));
                Sample base = sample(relay);
                Histogram h0 = options.histogram ? histogram(relay) : null;

                long t0 = System.nanoTime();
                held.addAll(connectAll(tcpServer, null, n, 1));
                double tcpSeconds = (System.nanoTime() - t0) / 1e9;
                Sample afterTcp = sample(relay);
                Histogram h1 = options.histogram ? histogram(relay) : null;

                long t1 = System.nanoTime();
                tlsHeld.addAll(connectAll(tlsServer, tls, n, 1 + n));
                double tlsSeconds = (System.nanoTime() - t1) / 1e9;
                Sample afterTls = sample(relay);
                Histogram h2 = options.histogram ? histogram(relay) : null;

                Map<String, Long> stats = parseStats(relay);
                // A relay this full still serves a newcomer on every transport.
                boolean newcomers = newUdpClientAllocates(new InetSocketAddress(loopback, listenPort));
                try (var tcpNew = connectQuietly(tcpServer, null, 2 * n + 1); var tlsNew = connectQuietly(tlsServer, tls, 2 * n + 2)) {
                    newcomers &= tcpNew.client != null && tlsNew.client != null;
                }
                String tlsSession = tlsHeld.isEmpty() ? "none" : tlsHeld.get(tlsHeld.size() - 1).stream().describe();

                // Closing the N TLS connections deletes their allocations; what the heap keeps is per closed connection.
                closeAll(tlsHeld);
                tlsHeld.clear();
                awaitStat(relay, "tls_open", 1);
                awaitStat(relay, "tls_allocations", 1);
                Sample afterClose = sample(relay);
                Histogram h3 = options.histogram ? histogram(relay) : null;
                List<TurnClient> tcpHeld = new ArrayList<>(held.subList(2, held.size()));
                held.subList(2, held.size()).clear();
                closeAll(tcpHeld);
                awaitStat(relay, "tcp_open", 1);
                awaitStat(relay, "tcp_allocations", 1);
                Sample afterTcpClose = sample(relay);

                List<String> lines = new ArrayList<>();
                if (h0 != null && h1 != null && h2 != null) {
                    h1.growthOver(h0, n, "tcp", lines);
                    h2.growthOver(h1, n, "tls", lines);
                }
                if (h1 != null && h3 != null) {
                    h3.growthOver(h1, n, "tls-closed", lines);
                }
                return new Result(options.transport, n, base.heap, afterTcp.heap, afterTls.heap, afterClose.heap, afterTcpClose.heap, base.rssKiB,
                        afterTcp.rssKiB, afterTls.rssKiB, stats, newcomers, tcpSeconds, tlsSeconds, tlsSession, options.workers, lines);
            } catch (IOException e) {
                throw new IOException(e.getMessage() + "\nrelay stderr:\n" + relay.stderrTail(), e);
            } finally {
                closeAll(tlsHeld);
                closeAll(held);
                relay.send("quit");
            }
        }
    }

    /** Asks for the relay's counters until {@code name} reads {@code value}; the relay handles the closes meanwhile. */
    private static void awaitStat(ChildJvm relay, String name, long value) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Map<String, Long> stats = parseStats(relay);
            if (stats.getOrDefault(name, -1L) == value) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " did not come down to " + value + " within 60 s: " + stats);
            }
        }
    }

    /** Heap after full GCs and RSS of the relay process. */
    private record Sample(long heap, long rssKiB) {}

    private static Sample sample(ChildJvm relay) throws IOException {
        relay.send("heap");
        String line = relay.readLineStartingWith("heap used=");
        long heap = Long.parseLong(line.substring("heap used=".length()).trim());
        return new Sample(heap, ProcessSample.of(relay.pid()).residentKiB());
    }

    private static Map<String, Long> parseStats(ChildJvm relay) throws IOException {
        relay.send("stats");
        String line = relay.readLineStartingWith("stats ");
        Map<String, Long> values = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(\\d+)").matcher(line);
        while (m.find()) {
            values.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return values;
    }

    private static Histogram histogram(ChildJvm relay) throws IOException {
        relay.send("histogram");
        relay.readLineStartingWith("histogram-begin");
        Histogram histogram = new Histogram();
        Pattern row = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
        for (String line; (line = relay.readLine()) != null && !line.startsWith("histogram-end"); ) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                histogram.bytes.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
                histogram.instances.merge(m.group(3), Long.parseLong(m.group(1)), Long::sum);
            }
        }
        return histogram;
    }

    /** Live bytes and instances by class, from the JVM's class histogram. */
    private static final class Histogram {
        final Map<String, Long> bytes = new HashMap<>();
        final Map<String, Long> instances = new HashMap<>();

        void growthOver(Histogram before, int connections, String phase, List<String> out) {
            List<Map.Entry<String, Long>> growth = new ArrayList<>();
            long total = 0;
            for (Map.Entry<String, Long> e : bytes.entrySet()) {
                long delta = e.getValue() - before.bytes.getOrDefault(e.getKey(), 0L);
                total += delta;
                growth.add(Map.entry(e.getKey(), delta));
            }
            growth.sort(Comparator.comparingLong((Map.Entry<String, Long> e) -> e.getValue()).reversed());
            out.add(String.format(Locale.ROOT, "histogram %s: %d bytes per connection in all (live objects, class histogram)", phase,
                    total / connections));
            for (Map.Entry<String, Long> e : growth.subList(0, Math.min(15, growth.size()))) {
                long count = instances.getOrDefault(e.getKey(), 0L) - before.instances.getOrDefault(e.getKey(), 0L);
                out.add(String.format(Locale.ROOT, "histogram %s: %7.1f bytes %6.2f instances per connection  %s", phase,
                        e.getValue() / (double) connections, count / (double) connections, e.getKey()));
            }
        }
    }

    /** Connects and Allocates {@code count} clients, client indexes from {@code firstIndex} (for source addresses). */
    private List<TurnClient> connectAll(InetSocketAddress server, @Nullable SSLContext tls, int count, int firstIndex)
            throws IOException, InterruptedException {
        AtomicReferenceArray<TurnClient> done = new AtomicReferenceArray<>(count);
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.setupThreads);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < options.setupThreads; t++) {
            workers.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    done.set(i, connect(server, tls, firstIndex + i));
                }
                return null;
            }));
        }
        pool.shutdown();
        List<TurnClient> clients = new ArrayList<>(count);
        try {
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            pool.shutdownNow();
            throw new IOException("connecting " + count + (tls != null ? " TLS" : " TCP") + " clients failed: " + e.getCause(), e);
        } finally {
            for (int i = 0; i < count; i++) {
                TurnClient client = done.get(i);
                if (client != null) {
                    clients.add(client);
                }
            }
        }
        return clients;
    }

    private TurnClient connect(InetSocketAddress server, @Nullable SSLContext tls, int index) throws IOException {
        String protocol = options.tlsProtocol;
        StreamConnection connection = StreamConnection.open(StreamClients.sourceAddress(server, index, CLIENTS_PER_IP), server, tls,
                protocol == null ? null : new String[] {protocol}, true, 10_000);
        TurnClient client = new TurnClient(connection, USER, PASSWORD);
        try {
            client.allocate();
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw new IOException("client " + index + (tls != null ? " (TLS)" : " (TCP)") + ": " + e.getMessage(), e);
        }
        return client;
    }

    /** A client that may fail to connect or Allocate; closes it. */
    private final class Newcomer implements AutoCloseable {
        @Nullable TurnClient client;

        @Override
        public void close() {
            if (client != null) {
                client.stream().close();
            }
        }
    }

    private Newcomer connectQuietly(InetSocketAddress server, @Nullable SSLContext tls, int index) {
        Newcomer newcomer = new Newcomer();
        try {
            newcomer.client = connect(server, tls, index);
        } catch (IOException e) {
            System.err.println("a new client could not Allocate: " + e.getMessage());
        }
        return newcomer;
    }

    private static boolean newUdpClientAllocates(InetSocketAddress server) {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 16);
            channel.bind(new InetSocketAddress(server.getAddress(), 0));
            channel.connect(server);
            TurnClient client = new TurnClient(channel, USER, PASSWORD);
            client.allocate();
            client.release();
            return true;
        } catch (IOException e) {
            System.err.println("a new UDP client could not Allocate: " + e.getMessage());
            return false;
        }
    }

    private void closeAll(List<TurnClient> clients) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(options.setupThreads);
        for (TurnClient client : clients) {
            pool.submit(() -> client.stream().close());
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.MINUTES);
    }

    /** A self-signed EC P-256 (or RSA 2048) certificate for 127.0.0.1 in relay.p12, and the certificate alone in relay.pem. */
    private static void makeCertificate(Path dir, String keyType) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> key = keyType.equals("rsa") ? List.of("-keyalg", "RSA", "-keysize", "2048") : List.of("-keyalg", "EC", "-groupname", "secp256r1");
        List<String> command = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "relay"));
        command.addAll(key);
        command.addAll(List.of("-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", dir.resolve("relay.p12").toString(),
                "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
        run(command);
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "relay", "-keystore", dir.resolve("relay.p12").toString(),
                "-storepass", STORE_PASSWORD, "-file", dir.resolve("relay.pem").toString()));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command.get(0) + " failed: " + output);
        }
    }

    /** A port free on {@code address} for TCP, and for UDP as well when {@code udpToo}. */
    private static int freePort(InetAddress address, boolean udpToo) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, address)) {
                if (udpToo) {
                    new DatagramSocket(tcp.getLocalPort(), address).close();
                }
                return tcp.getLocalPort();
            } catch (BindException taken) {
                if (attempt == 20) {
                    throw taken;
                }
            }
        }
    }

    /** The soft limit on open files of this process, or -1 when unknown. */
    private static long ownFileLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }
}
