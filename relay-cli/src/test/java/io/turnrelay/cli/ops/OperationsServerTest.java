package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.events.EndedAllocation;
import io.turnrelay.api.metrics.TopUsers;
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
                serving::get, portal::get, () -> stats, tls::get, drain::get, () -> null, null)) {
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
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            Scrape scrape = Scrape.parse(metrics.body());
            assertThat(scrape.value("turnrelay_allocations{transport=\"tcp\"}")).isEqualTo(1);
            assertThat(scrape.value("turnrelay_connections{transport=\"tcp\"}")).isEqualTo(1);
            assertThat(scrape.value("turnrelay_connections_closed_total{transport=\"tcp\",reason=\"client_closed\"}")).isEqualTo(2);
            assertThat(scrape.value("turnrelay_portal_state{state=\"joined\"}")).isEqualTo(1);
            assertThat(metrics.body()).doesNotContain("turnrelay_tls_").as("per-user series are opt-in").doesNotContain("user=");
            tls.set(new TlsMetrics(1_790_000_000L, 1, 0, 0));
            Scrape withTls = Scrape.parse(get(base + "/metrics").body());
            assertThat(withTls.value("turnrelay_tls_certificate_not_after_seconds")).isEqualTo(1_790_000_000L);
            assertThat(withTls.value("turnrelay_tls_reloads_total{result=\"reloaded\"}")).isEqualTo(1);
            Scrape notDraining = Scrape.parse(get(base + "/metrics").body());
            assertThat(notDraining.value("turnrelay_draining")).isZero();
            assertThat(notDraining.value("turnrelay_drain_allocations_left")).isZero();
            drain.set(new DrainMetrics(true, 1_790_000_600L));
            Scrape draining = Scrape.parse(get(base + "/metrics").body());
            assertThat(draining.value("turnrelay_draining")).isEqualTo(1);
            assertThat(draining.value("turnrelay_drain_allocations_left")).isEqualTo(1);
            assertThat(draining.value("turnrelay_drain_deadline_seconds")).isEqualTo(1_790_000_600L);

            assertThat(get(base + "/nope").statusCode()).isEqualTo(404);
            assertThat(get(base + "/healthz/x").statusCode()).isEqualTo(404);
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void metricsAreOpenMetricsWhenTheScraperAsksForItAndPrometheusTextOtherwise() throws Exception {
        RelayStats stats = new RelayStats(2, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of(ClientTransport.UDP,
                new ClientTransportStats(2, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, 0, Map.of(), 0)));
        try (OperationsServer server = OperationsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> true, () -> null, () -> stats, () -> null, () -> DrainMetrics.NOT_DRAINING, () -> null, null)) {
            String metrics = "http://127.0.0.1:" + server.address().getPort() + "/metrics";
            // What Prometheus sends by default.
            HttpResponse<String> open = get(metrics, "application/openmetrics-text;version=1.0.0;q=0.5,"
                    + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
            assertThat(open.headers().firstValue("Content-Type")).hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(open.body()).endsWith("# EOF\n").contains("# TYPE turnrelay_relayed_packets counter\n");
            assertThat(Scrape.parse(open.body()).value("turnrelay_allocations{transport=\"udp\"}")).isEqualTo(2);

            for (String accept : new String[] {"text/plain", "*/*", "application/openmetrics-text;q=0, text/plain", "application/json"}) {
                HttpResponse<String> text = get(metrics, accept);
                assertThat(text.headers().firstValue("Content-Type")).as(accept).hasValue("text/plain; version=0.0.4; charset=utf-8");
                assertThat(text.body()).as(accept).doesNotContain("# EOF").contains("# TYPE turnrelay_relayed_packets_total counter\n");
                assertThat(Scrape.parse(text.body()).value("turnrelay_allocations{transport=\"udp\"}")).isEqualTo(2);
            }
            HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create(metrics)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept", "application/openmetrics-text").timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Type")).hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void withTopUsersTheUsersWhoRelayedTheMostHaveTheirOwnSeries() throws Exception {
        RelayStats stats = new RelayStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, Map.of());
        TopUsers top = new TopUsers(2);
        for (String user : new String[] {"alice", "bob", "alice", "carol \"quoted\"", "carol \"quoted\""}) {
            top.onEvent(EndedAllocation.of(user, 1_000, 500));
        }
        try (OperationsServer server = OperationsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> true, () -> null, () -> stats, () -> null, () -> DrainMetrics.NOT_DRAINING, () -> null, top)) {
            String body = get("http://127.0.0.1:" + server.address().getPort() + "/metrics").body();
            assertThat(body).contains("# TYPE turnrelay_top_user_relayed_bytes gauge\n");
            Scrape scrape = Scrape.parse(body);
            assertThat(scrape.value("turnrelay_top_user_relayed_bytes{user=\"alice\"}")).isEqualTo(3_000);
            assertThat(scrape.value("turnrelay_top_user_overcount_bytes{user=\"alice\"}")).isZero();
            // Two series of the three users: alice and carol tie, bob relayed less. A quote in a label value is escaped.
            assertThat(scrape.value("turnrelay_top_user_relayed_bytes{user=\"carol \\\"quoted\\\"\"}")).isEqualTo(3_000);
            assertThat(body).doesNotContain("bob");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String accept) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
