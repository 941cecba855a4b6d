package io.turnrelay.cli.portal;

/** Told about the portal connection, on the client's own thread; must return quickly. */
public interface PortalListener {
    /** Joined (again) to the relay topic. */
    default void onJoined() {}

    /** The connection was lost; the client reconnects by itself. */
    default void onDisconnected(String reason) {}

    /** The client gave up; the relay process should exit non-zero with {@code reason} (one clear line, no secrets). */
    void onFatal(String reason);
}
