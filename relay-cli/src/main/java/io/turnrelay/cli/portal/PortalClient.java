package io.turnrelay.cli.portal;

/**
 * Keeps the relay joined to the Firezone portal: a JDK {@code java.net.http.WebSocket} speaking Phoenix
 * channels V1 JSON, with heartbeats, reconnects with backoff and the fatal cases of the original relay.
 * Relaying never waits for it. Thread-safe; runs on its own daemon threads.
 */
public final class PortalClient implements AutoCloseable {

    public PortalClient(PortalSettings settings, PortalListener listener) {
        throw new UnsupportedOperationException("portal skeleton");
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        throw new UnsupportedOperationException("portal skeleton");
    }

    /** The current state; readable from any thread. */
    public PortalState state() {
        throw new UnsupportedOperationException("portal skeleton");
    }

    /** Leaves the channel, closes the websocket (bounded wait) and stops reconnecting. Idempotent. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("portal skeleton");
    }
}
