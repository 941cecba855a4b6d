package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Framing of STUN messages and ChannelData on TCP and TLS, where nothing but their own length fields
 * delimits them (RFC 8489 §6.2.2, RFC 8656 §12.5 and §12.6, RFC 7983). Sans-IO: a transport accumulates
 * received bytes and asks {@link #frameLength} where the next frame ends. Absolute indexes only, no state,
 * no allocation.
 *
 * <p>A stream that cannot be STUN or ChannelData cannot be resynchronised (a length field is all there is),
 * so {@link #INVALID} means: close the connection. It is reported as soon as the bytes seen prove it.
 */
public final class StreamFraming {
    /** {@link #frameLength} result: the bytes so far are a valid prefix of a frame that has not fully arrived. */
    public static final int NEED_MORE = -1;
    /** {@link #frameLength} result: no frame starts with these bytes; the connection must be closed. */
    public static final int INVALID = -2;
    /** The longest frame: a STUN message of 20 + 65532 bytes (ChannelData is at most 4 + 65536 with padding). */
    public static final int MAX_FRAME = 65_552;
    /** How many bytes {@link #looksLikeTlsClientHello} needs: the 5-byte record header and the handshake type. */
    public static final int TLS_SNIFF_BYTES = 6;

    private static final int MAX_CHANNEL_DATA_PAYLOAD = 0xFFFF;
    /** Bytes that decide a STUN frame: type, length and the magic cookie. */
    private static final int STUN_DECIDING_BYTES = 8;

    private StreamFraming() {}

    /**
     * The length of the frame starting at absolute index {@code offset}, judged by the {@code available}
     * bytes there. Returns:
     * <ul>
     *   <li>the whole frame's length on the stream, only once all of it is there: a result {@code n >= 0}
     *       always satisfies {@code 4 <= n <= min(available, MAX_FRAME)}, so the caller may hand
     *       {@code [offset, offset + n)} on and continue at {@code offset + n}. For STUN that is
     *       20 + Length, for ChannelData 4 + Length rounded up to a multiple of 4 (the padding that
     *       streams must carry);</li>
     *   <li>{@link #NEED_MORE} while the bytes are a valid prefix of a frame. Never with
     *       {@link #MAX_FRAME} or more bytes available, so a receive buffer of {@code MAX_FRAME} bytes is
     *       always enough: compact it and read on;</li>
     *   <li>{@link #INVALID} as soon as the bytes cannot start a frame: a first byte 0x80-0xFF (with 1 byte),
     *       a STUN Length that is not a multiple of 4 (with 4), a wrong magic cookie (with the first wrong
     *       byte). Once INVALID, more bytes never change the answer; nor do they change a length.</li>
     * </ul>
     * Reads at most the first 8 of the {@code available} bytes, byte by byte (the buffer's byte order does
     * not matter, heap and direct buffers alike); position and limit are left alone. Channel numbers
     * 0x5000-0x7FFF are framed like any other, so that the server can drop them without losing the stream.
     *
     * @throws IndexOutOfBoundsException if {@code [offset, offset + available)} is not within the buffer's
     *     limit (a caller bug, not bad input)
     */
    public static int frameLength(ByteBuffer buffer, int offset, int available) {
        Objects.checkFromIndexSize(offset, available, buffer.limit());
        if (available == 0) {
            return NEED_MORE;
        }
        int first = buffer.get(offset) & 0xFF;
        if (first < 0x40) {
            return stunFrameLength(buffer, offset, available);
        }
        if (first < 0x80) {
            if (available < ChannelData.HEADER_LENGTH) {
                return NEED_MORE;
            }
            int length = paddedChannelDataLength(unsignedShort(buffer, offset + 2));
            return length <= available ? length : NEED_MORE;
        }
        return INVALID;
    }

    private static int stunFrameLength(ByteBuffer buffer, int offset, int available) {
        // A multiple of 4 also caps Length at 65532, so the frame is at most MAX_FRAME.
        if (available > 3 && (buffer.get(offset + 3) & 3) != 0) {
            return INVALID;
        }
        int cookieEnd = Math.min(available, STUN_DECIDING_BYTES);
        for (int i = 4; i < cookieEnd; i++) {
            if (buffer.get(offset + i) != (byte) (StunMessage.MAGIC_COOKIE >>> (8 * (7 - i)))) {
                return INVALID;
            }
        }
        if (available < STUN_DECIDING_BYTES) {
            return NEED_MORE;
        }
        int length = StunMessage.HEADER_LENGTH + unsignedShort(buffer, offset + 2);
        return length <= available ? length : NEED_MORE;
    }

    /**
     * The length on a stream of a ChannelData frame with {@code payloadLength} bytes of payload: the header,
     * the payload and its padding to a multiple of 4.
     *
     * @throws IllegalArgumentException if {@code payloadLength} is not 0-65535
     */
    public static int paddedChannelDataLength(int payloadLength) {
        return ChannelData.HEADER_LENGTH + payloadLength + padding(payloadLength);
    }

    /**
     * The padding (0-3 bytes, any value; receivers ignore it) a stream writer puts after a ChannelData payload
     * of {@code payloadLength} bytes. The Length field does not count it.
     *
     * @throws IllegalArgumentException if {@code payloadLength} is not 0-65535
     */
    public static int padding(int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_CHANNEL_DATA_PAYLOAD) {
            throw new IllegalArgumentException("ChannelData payload length must be 0-65535");
        }
        return -payloadLength & 3;
    }

    /**
     * Whether the {@code available} bytes at {@code offset} begin a TLS ClientHello: a handshake record
     * (0x16), major version 3, handshake type 1 at byte 5. For one port serving TLS and plain TURN. Never
     * true for STUN or ChannelData: STUN's byte 5 is the cookie's 0x12, ChannelData starts 0x40-0x7F.
     *
     * <p>False with fewer than {@link #TLS_SNIFF_BYTES} bytes, so a caller waits for that many; a plain TURN
     * client's first message (a 20-byte-or-longer STUN request) always brings them. A first byte other than
     * 0x16 already rules TLS out. If the stream ends or a timeout passes with fewer bytes, treat it as plain
     * (its frames will then decide). SSLv2-format hellos are not recognised.
     *
     * @throws IndexOutOfBoundsException if {@code [offset, offset + available)} is not within the buffer's limit
     */
    public static boolean looksLikeTlsClientHello(ByteBuffer buffer, int offset, int available) {
        Objects.checkFromIndexSize(offset, available, buffer.limit());
        return available >= TLS_SNIFF_BYTES
                && buffer.get(offset) == 0x16
                && buffer.get(offset + 1) == 0x03
                && buffer.get(offset + 5) == 0x01;
    }

    private static int unsignedShort(ByteBuffer buffer, int offset) {
        return ((buffer.get(offset) & 0xFF) << 8) | (buffer.get(offset + 1) & 0xFF);
    }
}
