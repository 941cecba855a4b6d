package io.turnrelay.cli.ops;

/**
 * What {@code /metrics} says about TLS: the served certificate's notAfter and the reload outcomes since start.
 *
 * @param notAfterEpochSeconds the current leaf's notAfter, in Unix seconds
 */
public record TlsMetrics(long notAfterEpochSeconds, long reloaded, long unchanged, long failed) {}
