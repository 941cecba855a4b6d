package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A browser's WebRTC stack against the relay: headless Chromium (Debian package {@code chromium}) opens two peer
 * connections that may use relayed candidates only, so their data channel runs through the TURN server under test,
 * on both of our transports and on coturn's turnserver, reaching it over UDP ({@code turn:...?transport=udp}), TCP
 * ({@code turn:...?transport=tcp}) and TLS ({@code turns:...?transport=tcp}). The page
 * (src/test/resources/interop/webrtc-relay.html) sends a message across, the other side echoes it, and the page
 * posts what came back, which candidate types the nominated pair used and how each side reached the TURN server
 * (the relayed candidate's {@code relayProtocol}) to a small HTTP server here.
 *
 * <p>Chromium verifies a TURN server's certificate like any other (there is no insecure mode for {@code turns:}):
 * the test CA goes into the NSS database that Chromium reads under {@code $HOME} (since M146
 * {@code $HOME/.local/share/pki/nssdb}; see Chromium's docs/linux/cert_management.md), with HOME pointed at a
 * scratch directory; the leaf names IP 127.0.0.1. CI installs Chromium and libnss3-tools (certutil); elsewhere the
 * test is skipped when they are missing (it fails instead when CI=true).
 */
class BrowserWebRtcInteropIT {
    private static final long OUTCOME_TIMEOUT_SECONDS = 60;
    private static HttpServer pages;
    private static volatile CompletableFuture<String> outcome = new CompletableFuture<>();
    /** HOME for Chromium, with the test CA trusted in its NSS database. */
    private static Path home;

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (ClientTransport transport : ClientTransport.values()) {
            for (String server : TurnServerUnderTest.servers()) {
                runs.add(Arguments.of(server, transport));
            }
        }
        return runs.stream();
    }

    @BeforeAll
    static void servePage() throws Exception {
        ExternalProcess.requireTools("chromium coturn libnss3-tools", "chromium", "turnserver", "certutil");
        home = Files.createTempDirectory("turnrelay-chromium-home-");
        trustTestCa(home);
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

    /** Creates the NSS database Chromium reads under {@code home} and trusts the test CA in it for TLS servers. */
    private static void trustTestCa(Path home) throws Exception {
        Path database = home.resolve(".local/share/pki/nssdb");
        Files.createDirectories(database);
        String ca = TurnServerUnderTest.certificate().caPem().toString();
        for (List<String> command : List.of(
                List.of("certutil", "-d", "sql:" + database, "-N", "--empty-password"),
                List.of("certutil", "-d", "sql:" + database, "-A", "-t", "C,,", "-n", "turnrelay-test-ca", "-i", ca),
                List.of("certutil", "-d", "sql:" + database, "-L", "-n", "turnrelay-test-ca"))) {
            ExternalProcess.Result result = ExternalProcess.run(command, 30);
            assertThat(result.exitCode()).as("%s:%n%s", String.join(" ", command), result.output()).isZero();
        }
    }

    @AfterAll
    static void stopPages() throws IOException {
        if (pages != null) {
            pages.stop(0);
        }
        if (home != null) {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    @ParameterizedTest(name = "Chromium data channel over {1} through {0}")
    @MethodSource("runs")
    void chromiumRelaysADataChannelThroughTheServer(String server, ClientTransport transport, @TempDir Path profile) throws Exception {
        outcome = new CompletableFuture<>();
        String message = "hello through " + server + " over " + transport.label();
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, Setup.OPEN, transport == ClientTransport.TLS);
                ExternalProcess browser = ExternalProcess.start(List.of("timeout", "120",
                        // Chromium's lock socket then lives inside the temporary profile, which JUnit deletes; its
                        // NSS database follows HOME.
                        "env", "TMPDIR=" + profile, "HOME=" + home, "chromium", "--headless=new",
                        "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
                        pageUrl(turnUrl(target, transport), message)))) {
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
                    .containsEntry("remoteType", "relay")
                    .containsEntry("answererLocalType", "relay")
                    // Both sides really reached the server over the transport in the URL, not over UDP.
                    .containsEntry("relayProtocol", transport.label())
                    .containsEntry("answererRelayProtocol", transport.label());
            if (target.isOurs()) {
                // And our relay counted the data channel's packets on that client transport.
                assertThat(target.metric("turnrelay_relayed_packets_total{transport=\"" + transport.label() + "\",direction=\"client_to_peer\",datapath=\"userspace\"}"))
                        .as("packets our relay took from %s clients; page saw %s", transport.label(), posted).isPositive();
            }
        }
    }

    /** The iceServers URL for {@code transport}: RFC 7065's turn: and turns: with Chromium's transport parameter. */
    private static String turnUrl(TurnServerUnderTest target, ClientTransport transport) {
        return switch (transport) {
            case UDP -> "turn:127.0.0.1:" + target.port(transport) + "?transport=udp";
            case TCP -> "turn:127.0.0.1:" + target.port(transport) + "?transport=tcp";
            case TLS -> "turns:127.0.0.1:" + target.port(transport) + "?transport=tcp";
        };
    }

    private static String pageUrl(String turnUrl, String message) {
        return "http://127.0.0.1:" + pages.getAddress().getPort() + "/probe.html?url=" + encode(turnUrl)
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
