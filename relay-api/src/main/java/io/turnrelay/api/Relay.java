package io.turnrelay.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;

/**
 * An embedded STUN/TURN relay. Create it with {@link #create(RelayConfig)}, {@link #start()} it, and
 * {@link #close()} it when done; the implementation comes from relay-core and a transport module on the
 * class path.
 *
 * <pre>{@code
 * try (Relay relay = Relay.create(RelayConfig.builder()
 *         .authenticator(new StaticUsersAuthenticator(Map.of("alice", "secret")))
 *         .build())) {
 *     relay.start();
 *     ...
 * }
 * }</pre>
 */
public interface Relay extends AutoCloseable {

    /**
     * Binds the listen sockets and starts relaying.
     *
     * @throws RelayStartException naming the address or setting when the relay cannot start
     * @throws IllegalStateException when already started or closed
     */
    void start() throws RelayStartException;

    /**
     * Graceful stop: refuses new allocations, deletes every allocation, closes every socket and stops the
     * worker threads, then the event thread once the listeners have the deletions (see
     * {@link io.turnrelay.api.events.EventSettings}). Idempotent.
     */
    @Override
    void close();

    /**
     * Starts draining, as before a rolling restart or a scale-in: from now on new Allocates are refused (300 Try
     * Alternate with an {@link RelayConfig#alternateServers alternate server} when one is configured, else 508
     * Insufficient Capacity), while every existing allocation keeps relaying, refreshing, binding channels and
     * installing permissions until it ends by itself. The returned future completes once no allocation is left, or
     * when {@code deadline} has passed: the remaining allocations are then deleted as {@link #close()} deletes them.
     * The relay keeps its sockets until {@link #close()}.
     *
     * <p>Calling it again while draining can only bring the deadline forward; every call returns a future of the same
     * drain. Actions chained onto the future without an executor may run on a relay worker thread: keep them short, or
     * use the {@code *Async} variants. Completing or cancelling the returned future does not affect the drain.
     *
     * @param deadline how long existing allocations may go on at most; {@link Duration#ZERO} deletes them at once, and a
     *     very long one (e.g. {@code ChronoUnit.FOREVER.getDuration()}) waits for the last allocation to end
     * @throws IllegalStateException before {@link #start()}
     */
    CompletableFuture<Void> drain(Duration deadline);

    /** Whether {@link #drain} was called: /readyz-style health checks should then report not ready. */
    boolean draining();

    /** A snapshot of the counters; callable from any thread at any time. */
    RelayStats stats();

    /** The addresses the UDP listen sockets are bound to (empty before {@link #start()}). */
    List<InetSocketAddress> listenAddresses();

    /** Every listener clients can reach, UDP, TCP and TLS (empty before {@link #start()}). */
    default List<ClientListener> listeners() {
        return List.of();
    }

    /** The name of the transport in use, e.g. {@code "netty"}. */
    String transportName();

    /**
     * The transport's name and the I/O it runs on where it has a choice, e.g. {@code "netty on io_uring"};
     * the name alone before {@link #start()}.
     */
    default String transportDescription() {
        return transportName();
    }

    /** A relay for {@code config}, from the first {@link RelayFactory} on the class path. */
    static Relay create(RelayConfig config) {
        for (RelayFactory factory : ServiceLoader.load(RelayFactory.class, Relay.class.getClassLoader())) {
            return factory.create(config);
        }
        throw new IllegalStateException("no RelayFactory on the class path: add io.turnrelay:relay-core and a transport module");
    }
}
