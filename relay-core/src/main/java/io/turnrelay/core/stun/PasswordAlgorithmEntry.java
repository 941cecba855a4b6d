package io.turnrelay.core.stun;

import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * One algorithm as PASSWORD-ALGORITHM and PASSWORD-ALGORITHMS carry it (RFC 8489 §14.11/14.12):
 * a 16-bit number and its parameters (empty for MD5 and SHA-256). The parameters are copied in and
 * out, and equality compares their content.
 */
public record PasswordAlgorithmEntry(int algorithm, byte[] parameters) {
    public static final int MD5 = 0x0001;
    public static final int SHA256 = 0x0002;

    public PasswordAlgorithmEntry {
        parameters = parameters.clone();
    }

    /** An algorithm without parameters, such as {@link #MD5} or {@link #SHA256}. */
    public static PasswordAlgorithmEntry of(int algorithm) {
        return new PasswordAlgorithmEntry(algorithm, new byte[0]);
    }

    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    int parameterLength() {
        return parameters.length;
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PasswordAlgorithmEntry
                && algorithm == ((PasswordAlgorithmEntry) other).algorithm
                && Arrays.equals(parameters, ((PasswordAlgorithmEntry) other).parameters);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm + Arrays.hashCode(parameters);
    }

    @Override
    public String toString() {
        return "PasswordAlgorithmEntry[algorithm=" + algorithm + ", parameters=" + HexFormat.of().formatHex(parameters) + "]";
    }
}
