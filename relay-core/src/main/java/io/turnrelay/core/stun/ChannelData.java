package io.turnrelay.core.stun;

import java.nio.ByteBuffer;

/**
 * ChannelData framing (RFC 8656 §12.4): a 2-byte channel number, a 2-byte payload length, the payload,
 * and over UDP optional padding, which is tolerated on input and never written. Everything here works
 * on absolute indexes, leaves buffer positions alone, and never allocates: it sits on the relay's hot path.
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

    private ChannelData() {}

    public static boolean isValidChannelNumber(int channelNumber, boolean rfc5766Range) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /** The channel number field of the frame at {@code offset}, unvalidated. */
    public static int channelNumber(ByteBuffer buffer, int offset) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /**
     * Validates the frame of {@code length} bytes at {@code offset} and returns its payload length
     * (the payload starts at {@code offset + 4}), or one of the negative reasons above.
     */
    public static int payloadLength(ByteBuffer buffer, int offset, int length, boolean rfc5766Range) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /** Writes the 4-byte header at {@code offset}, e.g. into the headroom in front of a received payload. */
    public static void writeHeader(ByteBuffer buffer, int offset, int channelNumber, int payloadLength) {
        throw new UnsupportedOperationException("codec skeleton");
    }
}
