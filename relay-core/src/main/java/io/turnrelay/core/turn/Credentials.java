package io.turnrelay.core.turn;

/**
 * The outcome of a successful long-term authentication: who sent the request, how to sign the
 * answer (the same key, and SHA-256 integrity when the request used it), and the user's own bandwidth
 * limit ({@code maxBps}, -1 for the server's default).
 */
record Credentials(String username, byte[] key, boolean sha256Integrity, long maxBps) {
    Credentials(String username, byte[] key, boolean sha256Integrity) {
        this(username, key, sha256Integrity, -1);
    }
}
