package io.turnrelay.core.turn;

/**
 * The outcome of a successful long-term authentication: who sent the request, and how to sign the
 * answer (the same key, and SHA-256 integrity when the request used it).
 */
record Credentials(String username, byte[] key, boolean sha256Integrity) {}
