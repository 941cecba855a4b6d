package io.turnrelay.cli.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.metrics.TopUsers;
import io.turnrelay.cli.portal.PortalState;
import io.turnrelay.xdp.XdpStatistics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The operations HTTP endpoints on one daemon thread: {@code GET /healthz} (200 while the process runs),
 * {@code GET /readyz} (200 when {@link Readiness} says so, else 503) and {@code GET /metrics}: the
 * {@link RelayCollector}'s metrics, written by the Prometheus Java client in the OpenMetrics text format when the
 * scraper's {@code Accept} header asks for {@code application/openmetrics-text}, else in the Prometheus text format
 * 0.0.4. The metrics live in a registry of their own, not the Prometheus client's process-wide default one.
 */
public final class OperationsServer implements AutoCloseable {
    private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
    private static final ExpositionFormatWriter PROMETHEUS_TEXT = PrometheusTextFormatWriter.create();

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
     * @param xdp the XDP data plane's counters and table size, or a supplier of null without --xdp
     * @param topUsers the users who relayed the most (--metrics-top-users), or null for no per-user series
     * @throws IOException when the address cannot be bound
     */
    public static OperationsServer start(InetSocketAddress address, BooleanSupplier relayServing,
            Supplier<@Nullable PortalState> portalState, Supplier<RelayStats> stats, Supplier<@Nullable TlsMetrics> tls,
            Supplier<DrainMetrics> drain, Supplier<@Nullable XdpStatistics> xdp, @Nullable TopUsers topUsers) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "ok\n"));
        server.createContext("/readyz", exchange -> {
            boolean ready = Readiness.isReady(relayServing.getAsBoolean(), portalState.get());
            respond(exchange, ready ? 200 : 503, "text/plain; charset=utf-8", ready ? "ready\n" : "not ready\n");
        });
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new RelayCollector(stats, portalState, tls, drain, xdp, topUsers == null ? List.of() : topUsers.metrics()));
        server.createContext("/metrics", exchange -> {
            ExpositionFormatWriter writer = writerFor(exchange.getRequestHeaders().getFirst("Accept"));
            ByteArrayOutputStream body = new ByteArrayOutputStream(32_768);
            writer.write(body, registry.scrape());
            respond(exchange, 200, writer.getContentType(), body.toByteArray());
        });
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

    /**
     * OpenMetrics when {@code accept} lists {@code application/openmetrics-text} with a non-zero quality (Prometheus
     * asks so by default), else the Prometheus text format. The protobuf format is not offered: classic histograms do
     * not need it.
     */
    static ExpositionFormatWriter writerFor(@Nullable String accept) {
        if (accept == null) {
            return PROMETHEUS_TEXT;
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("application/openmetrics-text")) {
                continue;
            }
            double quality = 1;
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim();
                if (parameter.startsWith("q=")) {
                    try {
                        quality = Double.parseDouble(parameter.substring(2));
                    } catch (NumberFormatException e) {
                        quality = 0;
                    }
                }
            }
            if (quality > 0) {
                return OPEN_METRICS;
            }
        }
        return PROMETHEUS_TEXT;
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        respond(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
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
        sendBody(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8), withBody);
    }

    private static void sendBody(HttpExchange exchange, int status, String contentType, byte[] bytes, boolean withBody) throws IOException {
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
