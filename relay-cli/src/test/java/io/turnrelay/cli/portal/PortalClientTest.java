package io.turnrelay.cli.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PortalClientTest {

    // The join timeout is generous so a cold JVM on a busy machine does not time out a join by accident;
    // the join-timeout test shortens it.
    static final PortalSettings.Timings FAST = new PortalSettings.Timings(
            Duration.ofSeconds(1), Duration.ofMillis(100), 3, Duration.ofMillis(50), Duration.ofMillis(600),
            Duration.ofMillis(20), 1.5, Duration.ofMillis(200), Duration.ofSeconds(2));
    static final String TOKEN = "relay-token.SECRET-123";
    static final String STAMP_SECRET = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static final Duration WAIT = Duration.ofSeconds(5);

    FakePortal portal;
    RecordingListener listener = new RecordingListener();
    List<PortalClient> clients = new ArrayList<>();

    @BeforeAll
    static void quietNetty() {
        ((Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.INFO);
    }

    @BeforeEach
    void startPortal() throws InterruptedException {
        portal = new FakePortal();
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        clients.forEach(PortalClient::close);
        portal.close();
    }

    PortalSettings settings(URI apiUrl, PortalSettings.Timings timings) {
        return new PortalSettings(apiUrl, " " + TOKEN + "\n", "relay one", "203.0.113.7", "2001:db8::1", 3478,
                STAMP_SECRET, "turnrelay-test/1.0", timings);
    }

    PortalClient start(PortalSettings settings) {
        PortalClient client = new PortalClient(settings, listener);
        clients.add(client);
        client.start();
        return client;
    }

    PortalClient startJoined() {
        PortalClient client = start(settings(portal.apiUrl(), FAST));
        awaitJoins(client, 1);
        return client;
    }

    static void awaitState(PortalClient client, PortalState expected) {
        await().atMost(WAIT).until(client::state, state -> state == expected);
    }

    // The state changes before the listener hears of it, so tests about listener calls wait for the calls.
    void awaitFatal(PortalClient client) {
        await().atMost(WAIT).until(() -> !listener.fatals.isEmpty());
        assertThat(client.state()).isEqualTo(PortalState.FAILED);
    }

    void awaitJoins(PortalClient client, int joins) {
        await().atMost(WAIT).until(() -> listener.joins.size() >= joins);
        assertThat(client.state()).isEqualTo(PortalState.JOINED);
        assertThat(listener.joins).hasSize(joins);
    }

    @Test
    void connectsToTheRelayPathWithQueryAndHeadersButNoTokenInTheUrl() {
        startJoined();

        assertThat(portal.requests).hasSize(1);
        FakePortal.Request request = portal.requests.get(0);
        assertThat(request.path()).isEqualTo("/relay/websocket");
        assertThat(request.rawQuery()).isEqualTo("name=relay%20one&ipv4=203.0.113.7&ipv6=2001%3Adb8%3A%3A1&port=3478");
        assertThat(request.query()).containsEntry("name", List.of("relay one")).containsEntry("port", List.of("3478"));
        assertThat(request.headers())
                .containsEntry("x-authorization", "Bearer " + TOKEN)
                .containsEntry("user-agent", "turnrelay-test/1.0");
        assertThat(request.rawQuery()).doesNotContain(TOKEN);
    }

    @Test
    void leavesOutUnsetNameAndAddresses() {
        PortalClient client = start(new PortalSettings(portal.apiUrl(), TOKEN, null, "203.0.113.7", null, 3478,
                STAMP_SECRET, "ua", FAST));
        awaitState(client, PortalState.JOINED);

        assertThat(portal.requests.get(0).rawQuery()).isEqualTo("ipv4=203.0.113.7&port=3478");
    }

    @Test
    void joinsTheRelayTopicWithTheStampSecretAsRefZero() {
        startJoined();

        FakePortal.Frame join = portal.framesWithEvent("phx_join").get(0);
        assertThat(join.topic()).isEqualTo("relay");
        assertThat(join.payload()).isEqualTo(Map.of("stamp_secret", STAMP_SECRET));
        assertThat(String.valueOf(join.ref())).isEqualTo("0");
    }

    @Test
    void startsConnectingAndBecomesJoinedAfterTheOkReply() {
        portal.joinReply = FakePortal.JoinReply.HOLD;
        PortalClient client = start(settings(portal.apiUrl(), FAST));
        await().atMost(WAIT).until(() -> !portal.framesWithEvent("phx_join").isEmpty());
        assertThat(client.state()).isEqualTo(PortalState.CONNECTING);
        assertThat(listener.joins).isEmpty();

        portal.replyToHeldJoin();
        awaitJoins(client, 1);
        assertThat(portal.requests).hasSize(1);
        assertThat(listener.joins).containsExactly(PortalClient.THREAD_NAME);
        assertThat(listener.fatals).isEmpty();
    }

    @Test
    void onlyTheReplyCarryingTheJoinRefJoins() {
        portal.joinReply = FakePortal.JoinReply.HOLD;
        PortalClient client = start(settings(portal.apiUrl(), FAST));
        await().atMost(WAIT).until(() -> portal.framesWithEvent("phx_join").size() == 1);

        portal.push(FakePortal.message("relay", "phx_reply", Map.of("status", "ok", "response", Map.of()), "99"));
        // Frames are handled in order: once the re-join this asks for arrives, the stray reply has been seen.
        portal.push(FakePortal.message("relay", "phx_reply",
                Map.of("status", "error", "response", Map.of("reason", "unmatched topic")), null));
        await().atMost(WAIT).until(() -> portal.framesWithEvent("phx_join").size() == 2);
        assertThat(client.state()).isEqualTo(PortalState.CONNECTING);
        assertThat(listener.joins).isEmpty();

        portal.replyToHeldJoin();
        awaitJoins(client, 1);
    }

    @Test
    void joinErrorIsFatal() {
        portal.joinReply = FakePortal.JoinReply.ERROR;
        PortalClient client = start(settings(portal.apiUrl(), FAST));

        awaitFatal(client);
        assertThat(listener.fatals).singleElement().asString().contains("refused").contains("unauthorized");
        assertThat(portal.requests).hasSize(1);
    }

    @Test
    void noJoinReplyWithinTheTimeoutReconnects() {
        PortalSettings.Timings shortJoin = new PortalSettings.Timings(Duration.ofMillis(300), FAST.heartbeatInterval(),
                FAST.maxUnansweredHeartbeats(), FAST.initialRetryInterval(), Duration.ofSeconds(3),
                FAST.backoffInitial(), FAST.backoffMultiplier(), FAST.backoffMax(), FAST.maxOutage());
        portal.joinsToIgnore.set(1);
        PortalClient client = start(settings(portal.apiUrl(), shortJoin));

        awaitState(client, PortalState.JOINED);
        assertThat(portal.requests).hasSizeGreaterThanOrEqualTo(2);
        assertThat(portal.framesWithEvent("phx_join").get(1).connection()).isEqualTo(2);
        long firstJoin = portal.framesWithEvent("phx_join").get(0).nanos();
        assertThat(Duration.ofNanos(portal.requests.get(1).nanos() - firstJoin))
                .isGreaterThanOrEqualTo(shortJoin.joinTimeout().minusMillis(20));
    }

    @Test
    void joinReplyInFragmentsIsReassembled() {
        portal.joinReply = FakePortal.JoinReply.OK_FRAGMENTED;
        PortalClient client = start(settings(portal.apiUrl(), FAST));

        awaitState(client, PortalState.JOINED);
        assertThat(portal.requests).hasSize(1);
    }

    @Test
    void sendsHeartbeatsAtTheIntervalAndStaysJoinedWhileTheyAreAnswered() {
        PortalClient client = startJoined();
        await().atMost(WAIT).until(() -> portal.framesWithEvent("heartbeat").size() >= 6);

        List<FakePortal.Frame> heartbeats = portal.framesWithEvent("heartbeat");
        assertThat(heartbeats).allSatisfy(heartbeat -> {
            assertThat(heartbeat.topic()).isEqualTo("phoenix");
            assertThat(heartbeat.payload()).isEmpty();
        });
        assertThat(heartbeats.stream().map(heartbeat -> String.valueOf(heartbeat.ref())).distinct()).hasSize(heartbeats.size());
        long connected = portal.requests.get(0).nanos();
        assertThat(Duration.ofNanos(heartbeats.get(0).nanos() - connected)).isGreaterThanOrEqualTo(Duration.ofMillis(80));
        Duration meanInterval = Duration.ofNanos((heartbeats.get(5).nanos() - heartbeats.get(0).nanos()) / 5);
        assertThat(meanInterval).isBetween(Duration.ofMillis(70), Duration.ofMillis(300));
        assertThat(client.state()).isEqualTo(PortalState.JOINED);
        assertThat(portal.requests).hasSize(1);
        assertThat(listener.disconnects).isEmpty();
    }

    @Test
    void tooManyUnansweredHeartbeatsReconnect() {
        PortalClient client = startJoined();
        portal.answerHeartbeats = false;

        await().atMost(WAIT).until(() -> !listener.disconnects.isEmpty());
        portal.answerHeartbeats = true;
        assertThat(listener.disconnects.get(0)).contains("heartbeats unanswered");
        // More than three in flight: the fourth unanswered one is sent, the fifth tick gives up.
        assertThat(portal.framesWithEvent("heartbeat").stream().filter(frame -> frame.connection() == 1))
                .hasSizeGreaterThanOrEqualTo(FAST.maxUnansweredHeartbeats() + 1);
        awaitJoins(client, 2);
        assertThat(portal.requests).hasSize(2);
    }

    @Test
    void initIsHandledAndChannelErrorsOnlyLogged() {
        PortalClient client = startJoined();
        portal.push(FakePortal.message("relay", "init", Map.of(), null));
        portal.push(FakePortal.message("relay", "phx_error", Map.of(), "7"));
        assertStillJoinedTwoHeartbeatsLater(client);
    }

    @Test
    void unknownEventsAndGarbageAreSkipped() {
        PortalClient client = startJoined();
        portal.push(FakePortal.message("relay", "relays_presence", Map.of("joined", List.of()), null));
        portal.push("this is not json");
        portal.push("[1,2,3]");
        portal.push("{\"topic\":\"relay\"}");
        assertStillJoinedTwoHeartbeatsLater(client);
    }

    /** Two more heartbeats go out and the client is still on its first connection, joined. */
    private void assertStillJoinedTwoHeartbeatsLater(PortalClient client) {
        int heartbeatsBefore = portal.framesWithEvent("heartbeat").size();
        await().atMost(WAIT).until(() -> portal.framesWithEvent("heartbeat").size() >= heartbeatsBefore + 2);
        assertThat(client.state()).isEqualTo(PortalState.JOINED);
        assertThat(portal.requests).hasSize(1);
        assertThat(listener.disconnects).isEmpty();
    }

    @Test
    void phxCloseReconnectsAndJoinsAgain() {
        PortalClient client = startJoined();
        portal.push(FakePortal.message("relay", "phx_close", Map.of(), null));

        awaitJoins(client, 2);
        assertThat(portal.requests).hasSize(2);
        assertThat(listener.disconnects).singleElement().asString().contains("portal closed topic 'relay'");
    }

    @Test
    void unmatchedTopicReplyRejoinsOnTheSameSocket() {
        PortalClient client = startJoined();
        portal.push(FakePortal.message("relay", "phx_reply",
                Map.of("status", "error", "response", Map.of("reason", "unmatched topic")), "42"));

        await().atMost(WAIT).until(() -> portal.framesWithEvent("phx_join").size() == 2);
        assertThat(portal.framesWithEvent("phx_join").get(1).connection()).isEqualTo(1);
        assertThat(portal.framesWithEvent("phx_join").get(1).payload()).isEqualTo(Map.of("stamp_secret", STAMP_SECRET));
        awaitJoins(client, 2);
        assertThat(portal.requests).hasSize(1);
    }

    @Test
    void expiredTokenIsFatal() {
        PortalClient client = startJoined();
        portal.push(FakePortal.message("relay", "disconnect", Map.of("reason", "token_expired"), null));

        awaitFatal(client);
        assertThat(listener.fatals).singleElement().asString().contains("expired");
        await().atMost(WAIT).until(() -> portal.websocketsEnded.get() == 1);
        assertThat(portal.requests).hasSize(1);

        client.close();
        assertThat(client.state()).as("close keeps the reason for giving up").isEqualTo(PortalState.FAILED);
    }

    @Test
    void portalRestartGivesReconnectingThenJoinedAgain() throws InterruptedException {
        PortalClient client = startJoined();
        portal.stop();

        await().atMost(WAIT).until(() -> listener.disconnects.size() == 1);
        assertThat(client.state()).isEqualTo(PortalState.RECONNECTING);
        portal.restart();

        awaitJoins(client, 2);
        assertThat(portal.requests).hasSizeGreaterThanOrEqualTo(2);
        assertThat(portal.framesWithEvent("phx_join")).hasSize(2);
        assertThat(String.valueOf(portal.framesWithEvent("phx_join").get(1).ref()))
                .as("refs start at 0 on every connection").isEqualTo("0");
    }

    @Test
    void unauthorizedUpgradeIsFatalAndNamesTheStatus() {
        portal.upgradesToRefuse.set(1);
        portal.refusalStatus = 401;
        PortalClient client = start(settings(portal.apiUrl(), FAST));

        awaitFatal(client);
        assertThat(listener.fatals).singleElement().asString().contains("HTTP 401").doesNotContain(TOKEN);
        assertThat(portal.requests).hasSize(1);
    }

    @Test
    void retryAfterOnARefusedUpgradeDelaysTheNextAttempt() {
        PortalClient client = startJoined();
        portal.upgradesToRefuse.set(1);
        portal.refusalStatus = 503;
        portal.retryAfter = "1";
        portal.push(FakePortal.message("relay", "phx_close", Map.of(), null));

        awaitJoins(client, 2);
        assertThat(portal.requests).hasSize(3);
        Duration sinceRefusal = Duration.ofNanos(portal.requests.get(2).nanos() - portal.requests.get(1).nanos());
        assertThat(sinceRefusal).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void initialBudgetExhaustedWithNoPortalIsFatal() throws Exception {
        URI nobodyListening;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobodyListening = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        long started = System.nanoTime();
        PortalClient client = start(settings(nobodyListening, FAST));

        awaitFatal(client);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(listener.fatals).singleElement().asString()
                .contains("could not reach the portal at " + nobodyListening).contains("600 ms");
        assertThat(listener.joins).isEmpty();
    }

    @Test
    void maximumOutageExhaustedIsFatal() throws InterruptedException {
        PortalClient client = startJoined();
        long lost = System.nanoTime();
        portal.stop();

        awaitState(client, PortalState.RECONNECTING);
        awaitFatal(client);
        // The budget is cumulative delay, so the outage lasted at least that long.
        assertThat(Duration.ofNanos(System.nanoTime() - lost)).isGreaterThanOrEqualTo(FAST.maxOutage().minusMillis(200));
        assertThat(listener.fatals).singleElement().asString().contains("could not reach the portal");
    }

    @Test
    void closeLeavesTheChannelClosesTheSocketAndStopsTheThread() {
        PortalClient client = startJoined();

        client.close();

        assertThat(client.state()).isEqualTo(PortalState.STOPPED);
        assertThat(portal.framesWithEvent("phx_leave")).singleElement()
                .satisfies(leave -> assertThat(leave.topic()).isEqualTo("relay"));
        assertThat(portal.closeFramesReceived.get()).isEqualTo(1);
        await().atMost(WAIT).until(() -> portal.websocketsEnded.get() == 1);
        await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals(PortalClient.THREAD_NAME)));
        assertThat(listener.fatals).isEmpty();

        client.close(); // idempotent
        assertThat(client.state()).isEqualTo(PortalState.STOPPED);
        assertThat(portal.requests).hasSize(1);
    }

    @Test
    void closeBeforeStartStops() {
        PortalClient client = new PortalClient(settings(portal.apiUrl(), FAST), listener);
        client.close();
        client.start();

        assertThat(client.state()).isEqualTo(PortalState.STOPPED);
        assertThat(portal.requests).isEmpty();
    }

    @Test
    void rejectsUnsupportedSchemesAndBlankTokens() {
        assertThatThrownBy(() -> new PortalClient(settings(URI.create("ftp://portal.example"), FAST), listener))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp");
        assertThatThrownBy(() -> new PortalClient(new PortalSettings(portal.apiUrl(), " \t", null, "203.0.113.7", null,
                3478, STAMP_SECRET, "ua", FAST), listener))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTokenNeverReachesTheLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try {
            PortalClient client = startJoined();
            portal.upgradesToRefuse.set(1);
            portal.refusalStatus = 401;
            portal.push(FakePortal.message("relay", "phx_close", Map.of(), null));
            awaitFatal(client);
        } finally {
            root.detachAppender(appender);
        }

        assertThat(appender.list).isNotEmpty().allSatisfy(event -> assertThat(event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage()))
                .doesNotContain(TOKEN));
        assertThat(appender.list).anySatisfy(event -> assertThat(event.getFormattedMessage()).contains("HTTP 401"));
        assertThat(settings(portal.apiUrl(), FAST).toString()).doesNotContain(TOKEN);
    }
}
