package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayStats;
import io.turnrelay.cli.portal.PortalState;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperationsServerTest {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void endpointsFollowTheRelayAndPortalState() throws Exception {
        AtomicBoolean serving = new AtomicBoolean(true);
        AtomicReference<PortalState> portal = new AtomicReference<>(PortalState.CONNECTING);
        RelayStats stats = new RelayStats(1, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of(ClientTransport.TCP,
                new ClientTransportStats(1, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 3, 1, Map.of("client_closed", 2L), 0)));
        AtomicReference<TlsMetrics> tls = new AtomicReference<>();
        AtomicReference<DrainMetrics> drain = new AtomicReference<>(DrainMetrics.NOT_DRAINING);
        try (OperationsServer server = OperationsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                serving::get, portal::get, () -> stats, tls::get, drain::get)) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(base + "/readyz").statusCode()).isEqualTo(503);
            portal.set(PortalState.JOINED);
            assertThat(get(base + "/readyz").statusCode()).isEqualTo(200);
            serving.set(false);
            assertThat(get(base + "/readyz").statusCode()).isEqualTo(503);
            assertThat(get(base + "/healthz").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = get(base + "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue(PrometheusText.CONTENT_TYPE);
            assertThat(metrics.body()).contains("turnrelay_allocations{transport=\"tcp\"} 1\n")
                    .contains("turnrelay_connections{transport=\"tcp\"} 1\n")
                    .contains("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"client_closed\"} 2\n")
                    .contains("turnrelay_portal_state{state=\"joined\"} 1")
                    .doesNotContain("turnrelay_tls_");
            tls.set(new TlsMetrics(1_790_000_000L, 1, 0, 0));
            assertThat(get(base + "/metrics").body()).contains("turnrelay_tls_certificate_not_after_seconds 1790000000\n")
                    .contains("turnrelay_tls_reloads_total{result=\"reloaded\"} 1\n");
            assertThat(get(base + "/metrics").body()).contains("turnrelay_draining 0\n").contains("turnrelay_drain_allocations_left 0\n");
            drain.set(new DrainMetrics(true, 1_790_000_600L));
            assertThat(get(base + "/metrics").body()).contains("turnrelay_draining 1\n")
                    .contains("turnrelay_drain_allocations_left 1\n")
                    .contains("turnrelay_drain_deadline_seconds 1790000600\n");

            assertThat(get(base + "/nope").statusCode()).isEqualTo(404);
            assertThat(get(base + "/healthz/x").statusCode()).isEqualTo(404);
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
