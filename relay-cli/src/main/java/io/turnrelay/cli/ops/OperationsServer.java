package io.turnrelay.cli.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The operations HTTP endpoints on one daemon thread: {@code GET /healthz} (200 while the process runs),
 * {@code GET /readyz} (200 when {@link Readiness} says so, else 503) and {@code GET /metrics}
 * ({@link PrometheusText}).
 */
public final class OperationsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private OperationsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} and starts serving.
     *
     * @param relayServing whether the relay takes requests (false once stopping)
     * @param portalState the portal's state, or a supplier of null in standalone mode
     * @param tls the certificate's expiry and reload counts, or a supplier of null without TLS
     * @param drain whether the relay drains, and until when
     * @throws IOException when the address cannot be bound
     */
    public static OperationsServer start(InetSocketAddress address, BooleanSupplier relayServing,
            Supplier<@Nullable PortalState> portalState, Supplier<RelayStats> stats, Supplier<@Nullable TlsMetrics> tls,
            Supplier<DrainMetrics> drain) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "ok\n"));
        server.createContext("/readyz", exchange -> {
            boolean ready = Readiness.isReady(relayServing.getAsBoolean(), portalState.get());
            respond(exchange, ready ? 200 : 503, "text/plain; charset=utf-8", ready ? "ready\n" : "not ready\n");
        });
        server.createContext("/metrics", exchange ->
                respond(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.render(stats.get(), portalState.get(), tls.get(), drain.get())));
        ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "relay-ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
        return new OperationsServer(server, executor);
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
                sendBody(exchange, 404, "text/plain; charset=utf-8", "not found\n", true);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                sendBody(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n", true);
            } else {
                sendBody(exchange, status, contentType, body, method.equals("GET"));
            }
        }
    }

    private static void sendBody(HttpExchange exchange, int status, String contentType, String body, boolean withBody) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops at once (no grace for open exchanges: a scrape in flight may be cut). */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
