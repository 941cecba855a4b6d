package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/** The 96-bit transaction id of a STUN message; a value with equality, usable as a map key. */
public final class TransactionId {
    public static final int LENGTH = 12;

    private final byte[] bytes;

    private TransactionId(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}, which must be exactly 12 bytes long. */
    public static TransactionId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a transaction id has 12 bytes, not " + bytes.length);
        }
        return new TransactionId(bytes.clone());
    }

    /** Reads 12 bytes at absolute index {@code offset}. */
    static TransactionId read(ByteBuffer buffer, int offset) {
        byte[] bytes = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            bytes[i] = buffer.get(offset + i);
        }
        return new TransactionId(bytes);
    }

    /** The byte at {@code index} (0-11), without copying. */
    byte byteAt(int index) {
        return bytes[index];
    }

    /** The 12 bytes as a fresh array. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof TransactionId && Arrays.equals(bytes, ((TransactionId) other).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** 24 lowercase hex characters. */
    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
