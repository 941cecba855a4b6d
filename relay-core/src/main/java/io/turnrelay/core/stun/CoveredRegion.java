package io.turnrelay.core.stun;

import java.nio.ByteBuffer;

/**
 * The bytes an integrity or fingerprint attribute covers: the message header with its length field
 * replaced by the value the attribute's position implies (RFC 8489 §14.5-14.7), then the attributes
 * before it. Reading it never writes into the message buffer, so a received datagram stays untouched.
 */
final class CoveredRegion {
    private CoveredRegion() {}

    /** A copy of the 20-byte header at {@code messageStart} whose length field says {@code declaredLength}. */
    static byte[] headerWithLength(ByteBuffer buffer, int messageStart, int declaredLength) {
        byte[] header = new byte[StunMessage.HEADER_LENGTH];
        for (int i = 0; i < header.length; i++) {
            header[i] = buffer.get(messageStart + i);
        }
        header[2] = (byte) (declaredLength >>> 8);
        header[3] = (byte) declaredLength;
        return header;
    }

    /** The attributes between the header and {@code coveredEnd}, as an independent view. */
    static ByteBuffer attributesBefore(ByteBuffer buffer, int messageStart, int coveredEnd) {
        ByteBuffer view = buffer.duplicate();
        view.limit(coveredEnd).position(messageStart + StunMessage.HEADER_LENGTH);
        return view;
    }

    /** The length field an attribute at {@code attributeOffset} with a value of {@code valueLength} implies. */
    static int lengthThrough(int messageStart, int attributeOffset, int valueLength) {
        return attributeOffset + 4 + valueLength - messageStart - StunMessage.HEADER_LENGTH;
    }
}
