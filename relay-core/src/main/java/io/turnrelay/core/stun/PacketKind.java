package io.turnrelay.core.stun;

/** What a datagram arriving on a TURN listen port is, judged by its first byte (RFC 8656 §12.4, RFC 7983). */
public enum PacketKind {
    /** First two bits 0b00. */
    STUN,
    /** First byte 0x40-0x4F (0x40-0x7F when the RFC 5766 channel range is accepted). */
    CHANNEL_DATA,
    /** Empty, or anything else. */
    OTHER;

    /** Classifies the datagram starting at {@code offset}; {@code length} may be 0. */
    public static PacketKind classify(java.nio.ByteBuffer buffer, int offset, int length, boolean rfc5766ChannelRange) {
        throw new UnsupportedOperationException("codec skeleton");
    }
}
