package io.turnrelay.api;

/** Creates {@link Relay}s; relay-core registers one with {@link java.util.ServiceLoader}. */
public interface RelayFactory {
    Relay create(RelayConfig config);
}
