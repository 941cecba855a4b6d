package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/** The FINGERPRINT value (RFC 8489 §14.7): CRC-32 of the message before it, XOR 0x5354554E. */
final class Fingerprint {
    static final int VALUE_LENGTH = 4;
    private static final int XOR_MASK = 0x5354554E;

    private Fingerprint() {}

    /** The value for a FINGERPRINT attribute at {@code attributeOffset}. */
    static int compute(ByteBuffer buffer, int messageStart, int attributeOffset) {
        CRC32 crc = new CRC32();
        int declaredLength = CoveredRegion.lengthThrough(messageStart, attributeOffset, VALUE_LENGTH);
        crc.update(CoveredRegion.headerWithLength(buffer, messageStart, declaredLength));
        crc.update(CoveredRegion.attributesBefore(buffer, messageStart, attributeOffset));
        return (int) crc.getValue() ^ XOR_MASK;
    }

    static boolean verify(ByteBuffer buffer, int messageStart, int attributeOffset) {
        return compute(buffer, messageStart, attributeOffset) == buffer.getInt(attributeOffset + 4);
    }
}
