package io.turnrelay.core.stun;

/** What a datagram arriving on a TURN listen port is, judged by its first byte (RFC 8656 §12.4, RFC 7983). */
public enum PacketKind {
    /** First two bits 0b00. */
    STUN,
    /** First byte 0x40-0x4F (0x40-0x7F when the RFC 5766 channel range is accepted). */
    CHANNEL_DATA,
    /** Empty, or anything else. */
    OTHER;

    /**
     * Classifies the datagram starting at {@code offset}; {@code length} may be 0. Reads one byte with an
     * absolute get; an empty datagram or an offset outside the buffer's limit is {@link #OTHER}.
     */
    public static PacketKind classify(java.nio.ByteBuffer buffer, int offset, int length, boolean rfc5766ChannelRange) {
        if (length <= 0 || offset < 0 || offset >= buffer.limit()) {
            return OTHER;
        }
        int first = buffer.get(offset) & 0xFF;
        if ((first & 0xC0) == 0) {
            return STUN;
        }
        int highestChannelByte = (rfc5766ChannelRange ? ChannelData.MAX_CHANNEL_NUMBER_RFC5766 : ChannelData.MAX_CHANNEL_NUMBER) >>> 8;
        if (first >= ChannelData.MIN_CHANNEL_NUMBER >>> 8 && first <= highestChannelByte) {
            return CHANNEL_DATA;
        }
        return OTHER;
    }
}
