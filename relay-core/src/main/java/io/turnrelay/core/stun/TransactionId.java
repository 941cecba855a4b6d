package io.turnrelay.core.stun;

import org.jspecify.annotations.Nullable;

/** The 96-bit transaction id of a STUN message; a value with equality, usable as a map key. */
public final class TransactionId {
    public static final int LENGTH = 12;

    /** Copies {@code bytes}, which must be exactly 12 bytes long. */
    public static TransactionId of(byte[] bytes) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /** The 12 bytes as a fresh array. */
    public byte[] toBytes() {
        throw new UnsupportedOperationException("codec skeleton");
    }

    @Override
    public boolean equals(@Nullable Object other) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    @Override
    public int hashCode() {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /** 24 lowercase hex characters. */
    @Override
    public String toString() {
        throw new UnsupportedOperationException("codec skeleton");
    }
}
