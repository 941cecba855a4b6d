package io.turnrelay.core.stun;

import java.nio.ByteBuffer;

/**
 * ChannelData framing (RFC 8656 §12.4): a 2-byte channel number, a 2-byte payload length, the payload,
 * and over UDP optional padding, which is tolerated on input and never written here (stream transports must
 * add it: see {@link StreamFraming#padding}). Everything here works on absolute indexes, leaves buffer
 * positions alone, and never allocates: it sits on the relay's hot path.
 */
public final class ChannelData {
    public static final int HEADER_LENGTH = 4;
    public static final int MIN_CHANNEL_NUMBER = 0x4000;
    /** Highest channel number of RFC 8656. */
    public static final int MAX_CHANNEL_NUMBER = 0x4FFF;
    /** Highest channel number of RFC 5766, still used by older clients. */
    public static final int MAX_CHANNEL_NUMBER_RFC5766 = 0x7FFF;

    /** {@link #payloadLength} result: fewer than 4 bytes. */
    public static final int TRUNCATED_HEADER = -1;
    /** {@link #payloadLength} result: channel number outside the accepted range. */
    public static final int BAD_CHANNEL_NUMBER = -2;
    /** {@link #payloadLength} result: the length field claims more bytes than the datagram has. */
    public static final int LENGTH_EXCEEDS_DATAGRAM = -3;

    private static final int MAX_PAYLOAD_LENGTH = 0xFFFF;

    private ChannelData() {}

    public static boolean isValidChannelNumber(int channelNumber, boolean rfc5766Range) {
        int highest = rfc5766Range ? MAX_CHANNEL_NUMBER_RFC5766 : MAX_CHANNEL_NUMBER;
        return channelNumber >= MIN_CHANNEL_NUMBER && channelNumber <= highest;
    }

    /**
     * The channel number field of the frame at {@code offset}, unvalidated.
     *
     * @throws IndexOutOfBoundsException if the buffer's limit leaves fewer than 2 bytes at {@code offset}
     */
    public static int channelNumber(ByteBuffer buffer, int offset) {
        return unsignedShort(buffer, offset);
    }

    // Byte by byte, so neither the buffer's byte order nor an allocation (a big-endian view) comes into it.
    private static int unsignedShort(ByteBuffer buffer, int offset) {
        return ((buffer.get(offset) & 0xFF) << 8) | (buffer.get(offset + 1) & 0xFF);
    }

    private static void putUnsignedShort(ByteBuffer buffer, int offset, int value) {
        buffer.put(offset, (byte) (value >>> 8));
        buffer.put(offset + 1, (byte) value);
    }

    /**
     * Validates the frame of {@code length} bytes at {@code offset} and returns its payload length
     * (the payload starts at {@code offset + 4}), or one of the negative reasons above. Bytes after the
     * payload are padding and ignored. A range that does not lie inside the buffer's limit is reported as
     * {@link #TRUNCATED_HEADER} when it cannot hold a header, otherwise only its in-buffer part is used.
     */
    public static int payloadLength(ByteBuffer buffer, int offset, int length, boolean rfc5766Range) {
        if (offset < 0 || length < 0 || offset > buffer.limit()) {
            return TRUNCATED_HEADER;
        }
        int available = Math.min(length, buffer.limit() - offset);
        if (available < HEADER_LENGTH) {
            return TRUNCATED_HEADER;
        }
        if (!isValidChannelNumber(channelNumber(buffer, offset), rfc5766Range)) {
            return BAD_CHANNEL_NUMBER;
        }
        int payloadLength = unsignedShort(buffer, offset + 2);
        if (payloadLength > available - HEADER_LENGTH) {
            return LENGTH_EXCEEDS_DATAGRAM;
        }
        return payloadLength;
    }

    /**
     * Writes the 4-byte header at {@code offset}, e.g. into the headroom in front of a received payload.
     * The channel number is written as given (any 16-bit value); range checks are the caller's.
     *
     * @throws IllegalArgumentException if the channel number or the payload length does not fit 16 bits
     */
    public static void writeHeader(ByteBuffer buffer, int offset, int channelNumber, int payloadLength) {
        if (channelNumber < 0 || channelNumber > 0xFFFF) {
            throw new IllegalArgumentException("channel number does not fit 16 bits");
        }
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("ChannelData payload length must be 0-65535");
        }
        putUnsignedShort(buffer, offset, channelNumber);
        putUnsignedShort(buffer, offset + 2, payloadLength);
    }
}
