package io.turnrelay.core.spi;

/**
 * Creates {@link Transport}s; found with {@link java.util.ServiceLoader}. When no transport is named in the
 * configuration, the available provider with the highest {@link #priority()} wins.
 */
public interface TransportProvider {

    /** The name used to select it, e.g. {@code "nio"} or {@code "netty"}. */
    String name();

    /** Higher wins; the JDK-only NIO transport is 0. */
    int priority();

    /** False when the transport cannot run here (e.g. a missing native library). */
    boolean isAvailable();

    /** A new, unstarted transport; {@code shardName} names its thread. */
    Transport create(String shardName);
}
