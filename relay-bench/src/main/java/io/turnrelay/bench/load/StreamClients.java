package io.turnrelay.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Setup of TCP and TLS clients: one connection each, from source addresses spread over 127/8 when the server is on
 * loopback (so a relay's per-IP connection cap is not what limits), each Allocating and binding its channel.
 */
final class StreamClients {
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private StreamClients() {}

    /** Where client {@code index} connects from: {@code 127.1.0.1} and up, {@code perIp} clients per address, port 0. */
    static InetSocketAddress sourceAddress(InetSocketAddress server, int index, int perIp) {
        if (!server.getAddress().isLoopbackAddress() || server.getAddress().getAddress().length != 4) {
            return new InetSocketAddress(0);
        }
        int ip = index / perIp;
        try {
            InetAddress address = InetAddress.getByAddress(new byte[] {
                127, (byte) (1 + ip / (254 * 256)), (byte) ((ip / 254) % 256), (byte) (1 + ip % 254)});
            return new InetSocketAddress(address, 0);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The client TLS context the options ask for, or null for TCP. */
    static @Nullable SSLContext tlsContext(LoadOptions options) throws IOException {
        if (!options.clientTransport.equals("tls")) {
            return null;
        }
        String ca = options.tlsCa;
        return ca != null ? ClientTls.trusting(Path.of(ca)) : ClientTls.trustingAnything();
    }

    /** Connects one client (TLS handshake included). */
    static StreamConnection connect(LoadOptions options, @Nullable SSLContext tls, InetSocketAddress server, int index) throws IOException {
        String protocol = options.tlsProtocol;
        return StreamConnection.open(sourceAddress(server, index, options.clientsPerIp), server, tls,
                protocol == null ? null : new String[] {protocol}, options.tlsCa != null, CONNECT_TIMEOUT_MS);
    }

    /**
     * Connects, Allocates and binds {@link TurnLoad#CHANNEL} to {@code peer} for {@code options.clients} clients on
     * {@code options.setupThreads} threads, and adds those that succeeded to {@code clients} in index order. False
     * when more than {@code --allowed-setup-failures} failed (those that succeeded are in {@code clients} then too, to
     * be torn down).
     */
    static boolean setUp(LoadOptions options, InetSocketAddress server, InetSocketAddress peer, List<TurnClient> clients)
            throws IOException, InterruptedException {
        SSLContext tls = tlsContext(options);
        int n = options.clients;
        AtomicReferenceArray<TurnClient> done = new AtomicReferenceArray<>(n);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(options.setupThreads);
        for (int t = 0; t < options.setupThreads; t++) {
            pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < n; ) {
                    TurnClient client = null;
                    try {
                        client = new TurnClient(connect(options, tls, server, i), options.user, options.password);
                        for (int attempt = 0; ; attempt++) {
                            try {
                                client.allocate();
                                break;
                            } catch (TurnClient.AllocationMismatchException mismatch) {
                                if (attempt == 3) {
                                    throw mismatch;
                                }
                                client.replaceStream(connect(options, tls, server, i));
                            }
                        }
                        client.bindChannel(TurnLoad.CHANNEL, peer);
                        done.set(i, client);
                    } catch (IOException | RuntimeException e) {
                        if (failed.incrementAndGet() <= 5) {
                            System.err.println("setup failed: client " + i + ": " + e);
                        }
                        if (client != null) {
                            client.stream().close();
                        }
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
            pool.shutdownNow();
        }
        for (int i = 0; i < n; i++) {
            TurnClient client = done.get(i);
            if (client != null) {
                clients.add(client);
            }
        }
        if (failed.get() > options.allowedSetupFailures) {
            System.err.println("setup failed for " + failed.get() + " of " + n + " clients");
            return false;
        }
        if (failed.get() > 0) {
            System.err.println("continuing without the " + failed.get() + " clients whose setup failed (--allowed-setup-failures)");
        }
        return !clients.isEmpty();
    }
}
