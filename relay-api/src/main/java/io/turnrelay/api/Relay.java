package io.turnrelay.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.ServiceLoader;

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
