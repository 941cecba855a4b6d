package io.turnrelay.cli.portal;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the relay joined to the Firezone portal: a JDK {@code java.net.http.WebSocket} speaking Phoenix
 * channels V1 JSON, with heartbeats, reconnects with backoff and the fatal cases of the original relay.
 * Relaying never waits for it. Thread-safe; runs on its own daemon threads.
 *
 * <p>States: {@code CONNECTING} until the first join reply ok, then {@code JOINED}; a lost connection after that
 * gives {@code RECONNECTING} (and {@link PortalListener#onDisconnected}) until the next join. Fatal, giving
 * {@code FAILED} and {@link PortalListener#onFatal} once: HTTP 401 on the upgrade, an error reply to the join, a
 * {@code disconnect} for {@code token_expired}, the initial retry budget or the maximum outage spent. The state
 * changes before the listener is told. {@link #close()} gives {@code STOPPED} unless the client had already failed.
 */
public final class PortalClient implements AutoCloseable {

    /** Bound on TCP connect, TLS and the websocket upgrade together, as in the Firezone relay. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** How long {@link #close()} waits for the portal to acknowledge the websocket close. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    static final String THREAD_NAME = "turnrelay-portal";

    private static final Logger log = LoggerFactory.getLogger(PortalClient.class);
    private static final String TOPIC = "relay";
    private static final String PHOENIX_TOPIC = "phoenix";
    private static final int NORMAL_CLOSURE = 1000;

    private final PortalSettings settings;
    private final PortalListener listener;
    private final URI websocketUri;
    private final String authorization;
    private final ScheduledThreadPoolExecutor scheduler;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile PortalState state = PortalState.CONNECTING;
    private volatile @Nullable Thread schedulerThread;

    // Confined to the scheduler thread from start() on.
    private final ReconnectBackoff backoff;
    private volatile @Nullable HttpClient httpClient;
    private @Nullable Connection connection;
    private @Nullable ScheduledFuture<?> pendingAttempt;
    private boolean everJoined;
    private long firstAttemptNanos;
    private int connectionCount;

    /**
     * Checks the settings; starts nothing yet.
     *
     * @throws IllegalArgumentException when the API URL's scheme is not http, https, ws or wss, or the token is blank
     */
    public PortalClient(PortalSettings settings, PortalListener listener) {
        this.settings = settings;
        this.listener = listener;
        this.websocketUri = PortalUrl.websocketUri(settings);
        String token = settings.token().replaceAll("\\s", "");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("portal token is empty");
        }
        this.authorization = "Bearer " + token;
        this.backoff = new ReconnectBackoff(settings.timings(), new Random());
        // One thread: every protocol decision runs on it, so the connection state needs no locks.
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            schedulerThread = thread;
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        if (closeRequested.get() || !started.compareAndSet(false, true)) {
            return;
        }
        dispatch(() -> {
            // The HttpClient runs its own tasks on our thread too; once that is shut down, on the caller's.
            httpClient = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .executor(task -> {
                        if (!dispatch(task)) {
                            task.run();
                        }
                    })
                    .build();
            firstAttemptNanos = System.nanoTime();
            attempt();
        });
    }

    /** The current state; readable from any thread. */
    public PortalState state() {
        return state;
    }

    /** Leaves the channel, closes the websocket (bounded wait) and stops reconnecting. Idempotent. */
    @Override
    public void close() {
        if (closeRequested.compareAndSet(false, true)) {
            if (state != PortalState.FAILED) {
                state = PortalState.STOPPED;
            }
            if (!started.get() || !dispatch(this::beginClose)) {
                terminated.complete(null);
                scheduler.shutdown();
                return;
            }
        }
        if (Thread.currentThread() == schedulerThread) {
            return; // closed from a listener callback: waiting here would wait for ourselves
        }
        try {
            terminated.get(CLOSE_WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Portal connection did not close in time; dropping it");
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- everything below runs on the scheduler thread ----

    private void attempt() {
        pendingAttempt = null;
        HttpClient client = httpClient;
        if (isFinished() || client == null) {
            return;
        }
        Connection attempt = new Connection(++connectionCount);
        connection = attempt;
        log.info("Connecting to the portal at {}", websocketUri);
        client.newWebSocketBuilder()
                .header("X-Authorization", authorization)
                .header("User-Agent", settings.userAgent())
                .connectTimeout(CONNECT_TIMEOUT)
                .buildAsync(websocketUri, attempt)
                .whenComplete((webSocket, error) -> {
                    if (error != null) {
                        dispatch(() -> connectFailed(attempt, error));
                    }
                });
    }

    private void connectFailed(Connection failed, Throwable error) {
        if (failed != connection || isFinished()) {
            return;
        }
        failed.finish();
        connection = null;
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof WebSocketHandshakeException handshake) {
            int status = handshake.getResponse().statusCode();
            if (status == 401) {
                fatal("portal rejected the token (HTTP 401)");
                return;
            }
            Duration retryAfter = RetryAfter.parse(
                    handshake.getResponse().headers().firstValue("Retry-After").orElse(null), Instant.now());
            scheduleReconnect("portal answered the upgrade with HTTP " + status, retryAfter);
            return;
        }
        scheduleReconnect(describe(cause), null);
    }

    private static String describe(Throwable error) {
        if (error instanceof HttpConnectTimeoutException || error instanceof HttpTimeoutException) {
            return "connecting timed out";
        }
        if (error instanceof ConnectException) {
            return "connection refused";
        }
        String message = error.getMessage();
        return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private void opened(Connection opened, WebSocket webSocket) {
        if (opened != connection || isFinished()) {
            webSocket.abort();
            return;
        }
        opened.webSocket = webSocket;
        log.info("Connected to the portal; joining topic '{}'", TOPIC);
        sendJoin(opened);
        long heartbeatNanos = settings.timings().heartbeatInterval().toNanos();
        opened.heartbeat = scheduler.scheduleAtFixedRate(
                () -> heartbeatDue(opened), heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
    }

    private void sendJoin(Connection joining) {
        String ref = joining.nextRef();
        joining.joinRef = ref;
        joining.send(new PhoenixMessage(TOPIC, "phx_join", Map.of("stamp_secret", settings.stampSecretHex()), ref));
        cancel(joining.joinTimeout);
        joining.joinTimeout = scheduler.schedule(
                () -> {
                    if (ref.equals(joining.joinRef)) {
                        lost(joining, "no reply to joining within " + settings.timings().joinTimeout().toMillis() + " ms");
                    }
                },
                settings.timings().joinTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void heartbeatDue(Connection beating) {
        if (beating != connection || isFinished()) {
            return;
        }
        // Every ref still in the set has had a whole interval to be answered.
        if (beating.unansweredHeartbeats.size() > settings.timings().maxUnansweredHeartbeats()) {
            lost(beating, beating.unansweredHeartbeats.size() + " heartbeats unanswered");
            return;
        }
        String ref = beating.nextRef();
        beating.unansweredHeartbeats.add(ref);
        log.debug("Sending heartbeat {}", ref);
        beating.send(new PhoenixMessage(PHOENIX_TOPIC, "heartbeat", Map.of(), ref));
    }

    private void received(Connection receiving, String text) {
        if (receiving != connection || isFinished()) {
            return;
        }
        PhoenixMessage message;
        try {
            message = PhoenixMessage.parse(text);
        } catch (PhoenixMessage.MalformedMessageException e) {
            log.warn("Skipping a portal frame that is not a Phoenix message ({}): {}", e.getMessage(), abbreviate(text));
            return;
        }
        switch (message.event()) {
            case "phx_reply" -> replied(receiving, message);
            case "init" -> log.info("Portal sent init");
            case "phx_error" -> log.warn("Portal reported an error on topic '{}': {}", message.topic(), message.payload());
            case "phx_close" -> lost(receiving, "portal closed topic '" + message.topic() + "'");
            case "disconnect" -> {
                String reason = message.payloadString("reason");
                if ("token_expired".equals(reason)) {
                    fatal("portal says the relay token expired");
                } else {
                    lost(receiving, "portal asked to disconnect (" + reason + ")");
                }
            }
            default -> log.warn("Skipping unknown portal event '{}' on topic '{}'", message.event(), message.topic());
        }
    }

    private void replied(Connection receiving, PhoenixMessage reply) {
        String ref = reply.ref();
        if (PHOENIX_TOPIC.equals(reply.topic())) {
            if (ref != null) {
                receiving.unansweredHeartbeats.remove(ref);
            }
            return;
        }
        if ("unmatched topic".equals(reply.responseString("reason"))) {
            log.info("Portal does not know our topic '{}'; joining again", reply.topic());
            sendJoin(receiving);
            return;
        }
        if (ref == null || !ref.equals(receiving.joinRef)) {
            log.debug("Ignoring a reply to ref {} on topic '{}'", ref, reply.topic());
            return;
        }
        receiving.joinRef = null;
        cancel(receiving.joinTimeout);
        String status = reply.payloadString("status");
        if ("ok".equals(status)) {
            joined(receiving);
        } else if ("error".equals(status)) {
            String reason = reply.responseString("reason");
            fatal("portal refused to join topic '" + TOPIC + "'" + (reason == null ? "" : ": " + reason));
        } else {
            lost(receiving, "unexpected join reply status '" + status + "'");
        }
    }

    private void joined(Connection joinedConnection) {
        joinedConnection.joined = true;
        everJoined = true;
        backoff.joined();
        state = PortalState.JOINED;
        log.info("Joined the portal's topic '{}'", TOPIC);
        notifyListener(listener::onJoined);
    }

    private void closedByPortal(Connection closed, int statusCode, String reason) {
        lost(closed, "portal closed the websocket (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
    }

    private void lost(Connection lostConnection, String reason) {
        if (lostConnection != connection || isFinished()) {
            return;
        }
        lostConnection.finish();
        lostConnection.abort();
        connection = null;
        if (state == PortalState.JOINED) {
            state = PortalState.RECONNECTING;
            notifyListener(() -> listener.onDisconnected(reason));
        }
        scheduleReconnect(reason, null);
    }

    private void scheduleReconnect(String reason, @Nullable Duration retryAfter) {
        PortalSettings.Timings timings = settings.timings();
        Duration delay;
        if (everJoined) {
            delay = backoff.nextOutageDelay(retryAfter);
            if (delay == null) {
                fatal("could not reach the portal at " + settings.apiUrl() + " for " + describe(timings.maxOutage())
                        + " (last: " + reason + ")");
                return;
            }
        } else {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - firstAttemptNanos);
            delay = backoff.nextInitialDelay(elapsed, retryAfter);
            if (delay == null) {
                fatal("could not reach the portal at " + settings.apiUrl() + " for "
                        + describe(timings.initialRetryBudget()) + " (last: " + reason + ")");
                return;
            }
        }
        log.info("Portal connection failed ({}); reconnecting in {} ms", reason, delay.toMillis());
        pendingAttempt = scheduler.schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static String describe(Duration duration) {
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + " ms";
        }
        long seconds = duration.toSeconds();
        return seconds % 3600 == 0 && seconds > 0 ? seconds / 3600 + " h" : seconds + " s";
    }

    private void fatal(String reason) {
        if (isFinished()) {
            return;
        }
        state = PortalState.FAILED;
        log.error("Giving up on the portal: {}", reason);
        cancel(pendingAttempt);
        Connection current = connection;
        connection = null;
        if (current != null) {
            current.finish();
        }
        notifyListener(() -> listener.onFatal(reason));
        if (current != null) {
            current.closeWebSocket(this::terminate);
        } else {
            terminate();
        }
    }

    private void beginClose() {
        cancel(pendingAttempt);
        Connection current = connection;
        connection = null;
        if (current == null || current.webSocket == null) {
            if (current != null) {
                current.finish(); // a connect in flight is aborted when it opens
            }
            terminate();
            return;
        }
        log.info("Closing the portal connection");
        current.finish();
        if (current.joined) {
            current.send(new PhoenixMessage(TOPIC, "phx_leave", Map.of(), current.nextRef()));
        }
        current.closeWebSocket(this::terminate);
    }

    /** The end after close or fatal; may run on a JDK thread once the websocket is closed. */
    private void terminate() {
        terminated.complete(null);
        scheduler.shutdown();
        HttpClient client = httpClient;
        if (client != null) {
            shutDown(client);
        }
    }

    /** Ends the HttpClient's selector thread at once on JDK 21+; on 17 it ends when the client is collected. */
    private static void shutDown(HttpClient client) {
        try {
            HttpClient.class.getMethod("shutdownNow").invoke(client);
        } catch (ReflectiveOperationException e) {
            // JDK 17: no shutdownNow.
        }
    }

    private boolean isFinished() {
        return state == PortalState.FAILED || state == PortalState.STOPPED;
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("Portal listener failed", e);
        }
    }

    private boolean dispatch(Runnable task) {
        try {
            scheduler.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private static void cancel(@Nullable ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /** One websocket attempt; callbacks from an attempt that is no longer current are ignored. */
    private final class Connection implements WebSocket.Listener {
        private final int number;
        private final StringBuilder partialText = new StringBuilder();
        private final CompletableFuture<Void> closedByPeer = new CompletableFuture<>();
        private final Set<String> unansweredHeartbeats = new LinkedHashSet<>();
        private @Nullable WebSocket webSocket;
        private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
        private long refCounter;
        private @Nullable String joinRef;
        private boolean joined;
        private @Nullable ScheduledFuture<?> joinTimeout;
        private @Nullable ScheduledFuture<?> heartbeat;

        Connection(int number) {
            this.number = number;
        }

        String nextRef() {
            return Long.toString(refCounter++);
        }

        /** Queues a frame; the JDK websocket allows only one text send in flight at a time. */
        void send(PhoenixMessage message) {
            WebSocket open = webSocket;
            if (open == null) {
                return;
            }
            String json = message.toJson();
            lastSend = lastSend.handle((ignored, error) -> null)
                    .thenCompose(ignored -> open.sendText(json, true))
                    .whenComplete((ignored, error) -> {
                        if (error != null) {
                            dispatch(() -> lost(this, "sending to the portal failed: " + describe(error)));
                        }
                    });
        }

        /** Stops this connection's timers; its websocket stays as it is. */
        void finish() {
            cancel(joinTimeout);
            cancel(heartbeat);
        }

        /** Drops the socket without a close handshake: the connection is lost anyway. */
        void abort() {
            if (webSocket != null) {
                webSocket.abort();
            }
        }

        /** Sends a close after any queued frame, waits for the portal's close (bounded), then drops the socket. */
        void closeWebSocket(Runnable then) {
            WebSocket open = webSocket;
            if (open == null) {
                then.run();
                return;
            }
            lastSend.handle((ignored, error) -> null)
                    .thenCompose(ignored -> open.sendClose(NORMAL_CLOSURE, "relay shutting down"))
                    .thenCompose(ignored -> closedByPeer)
                    .orTimeout(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((ignored, error) -> {
                        open.abort();
                        then.run();
                    });
        }

        @Override
        public void onOpen(WebSocket openedSocket) {
            openedSocket.request(1);
            if (!dispatch(() -> opened(this, openedSocket))) {
                openedSocket.abort();
            }
        }

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            // The JDK calls a listener sequentially, so the buffer needs no lock.
            partialText.append(data);
            if (last) {
                String text = partialText.toString();
                partialText.setLength(0);
                dispatch(() -> received(this, text));
            }
            socket.request(1);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            if (last) {
                dispatch(() -> log.warn("Skipping a binary frame from the portal"));
            }
            socket.request(1);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closedByPeer.complete(null);
            dispatch(() -> closedByPortal(this, statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closedByPeer.complete(null);
            dispatch(() -> lost(this, "websocket error: " + describe(error)));
        }

        @Override
        public String toString() {
            return "portal connection #" + number;
        }
    }
}
