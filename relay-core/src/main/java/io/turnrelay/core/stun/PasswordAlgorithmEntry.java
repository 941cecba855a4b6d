package io.turnrelay.core.stun;

/**
 * One algorithm as PASSWORD-ALGORITHM and PASSWORD-ALGORITHMS carry it (RFC 8489 §14.11/14.12):
 * a 16-bit number and its parameters (empty for MD5 and SHA-256).
 */
public record PasswordAlgorithmEntry(int algorithm, byte[] parameters) {
    public static final int MD5 = 0x0001;
    public static final int SHA256 = 0x0002;
}
