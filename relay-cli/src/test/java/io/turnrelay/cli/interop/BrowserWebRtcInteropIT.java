package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A browser's WebRTC stack against the relay: headless Chromium (Debian package {@code chromium}) opens two peer
 * connections that may use relayed candidates only, so their data channel runs through the TURN server under test,
 * on both of our transports and on coturn's turnserver. The page (src/test/resources/interop/webrtc-relay.html)
 * sends a message across, the other side echoes it, and the page posts what came back and which candidate types
 * the nominated pair used to a small HTTP server here. CI installs Chromium; elsewhere the test is skipped when it
 * is missing (it fails instead when CI=true).
 */
class BrowserWebRtcInteropIT {
    private static final long OUTCOME_TIMEOUT_SECONDS = 60;
    private static HttpServer pages;
    private static volatile CompletableFuture<String> outcome = new CompletableFuture<>();

    @BeforeAll
    static void servePage() throws IOException {
        ExternalProcess.requireTools("chromium coturn", "chromium", "turnserver");
        byte[] page;
        try (InputStream in = BrowserWebRtcInteropIT.class.getResourceAsStream("/interop/webrtc-relay.html")) {
            assertThat(in).as("the probe page on the test class path").isNotNull();
            page = in.readAllBytes();
        }
        pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pages.createContext("/probe.html", exchange -> respond(exchange, 200, page));
        pages.createContext("/outcome", exchange -> {
            outcome.complete(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            respond(exchange, 204, null);
        });
        pages.start();
    }

    @AfterAll
    static void stopPages() {
        if (pages != null) {
            pages.stop(0);
        }
    }

    @ParameterizedTest(name = "Chromium data channel through {0}")
    @ValueSource(strings = {"nio", "netty", "coturn"})
    void chromiumRelaysADataChannelThroughTheServer(String server, @TempDir Path profile) throws Exception {
        outcome = new CompletableFuture<>();
        String message = "hello through " + server;
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, Setup.OPEN);
                ExternalProcess browser = ExternalProcess.start(List.of("timeout", "120",
                        // Chromium's lock socket then lives inside the temporary profile, which JUnit deletes.
                        "env", "TMPDIR=" + profile, "chromium", "--headless=new",
                        "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
                        pageUrl(target.port, message)))) {
            String posted;
            try {
                posted = outcome.get(OUTCOME_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no outcome from Chromium within " + OUTCOME_TIMEOUT_SECONDS + " s; browser output:\n"
                        + browser.output() + "\nserver log tail:\n" + target.logTail(), e);
            }
            Map<String, Object> result = JSON.std.mapFrom(posted);
            assertThat(result).as("what the page saw through %s: %s%nserver log tail:%n%s", server, posted, target.logTail())
                    .doesNotContainKey("error")
                    .containsEntry("reply", "echo: " + message)
                    .containsEntry("localType", "relay")
                    .containsEntry("remoteType", "relay");
        }
    }

    private static String pageUrl(int turnPort, String message) {
        return "http://127.0.0.1:" + pages.getAddress().getPort() + "/probe.html?port=" + turnPort
                + "&username=" + encode(TurnServerUnderTest.USER) + "&credential=" + encode(TurnServerUnderTest.PASSWORD)
                + "&message=" + encode(message);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }
}
