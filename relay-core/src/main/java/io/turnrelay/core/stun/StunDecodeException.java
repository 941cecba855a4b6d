package io.turnrelay.core.stun;

/**
 * The only exception the decoder throws: the input is not a well-formed STUN message. The
 * {@link Reason} says what was wrong; the message names the offending attribute or offset.
 */
public final class StunDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of malformation was found. */
    public enum Reason {
        /** Fewer than 20 bytes, or the first two bits are not 0b00. */
        NOT_STUN,
        BAD_MAGIC_COOKIE,
        /** The header's length disagrees with the datagram, or is not a multiple of 4. */
        BAD_LENGTH,
        /** An attribute header or value runs past the end of the message. */
        TRUNCATED_ATTRIBUTE,
        /** An address attribute carries a family other than 0x01/0x02 or a length that does not fit it. */
        BAD_ADDRESS_FAMILY,
        /** A known attribute's value has the wrong size or an invalid content. */
        BAD_ATTRIBUTE_VALUE,
        /** A value is longer than the RFC allows (e.g. USERNAME over 513 bytes). */
        OVERSIZED_VALUE,
        /**
         * FINGERPRINT is not the last attribute. (Attributes after MESSAGE-INTEGRITY or
         * MESSAGE-INTEGRITY-SHA256 that may not follow them are ignored as RFC 8489 §14.5/14.6 say, not rejected.)
         */
        BAD_ATTRIBUTE_ORDER
    }

    private final Reason reason;

    public StunDecodeException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
