package io.turnrelay.core.stun;

/** The two class bits of a STUN message type (RFC 8489 §5). */
public enum StunClass {
    REQUEST(0b00),
    INDICATION(0b01),
    SUCCESS_RESPONSE(0b10),
    ERROR_RESPONSE(0b11);

    private final int bits;

    StunClass(int bits) {
        this.bits = bits;
    }

    /** The class as the two-bit value C1C0. */
    public int bits() {
        return bits;
    }

    public static StunClass fromBits(int bits) {
        return values()[bits & 0b11];
    }
}
