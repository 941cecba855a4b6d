package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 as STUN's text attributes use it: strict validation on input, strict encoding on output. */
final class Utf8Text {
    private Utf8Text() {}

    /**
     * True when the bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
     * above U+10FFFF). Allocation-free so that parse can validate eagerly.
     */
    static boolean isValid(ByteBuffer buffer, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b0 = buffer.get(i) & 0xFF;
            if (b0 < 0x80) {
                i++;
                continue;
            }
            int continuationCount;
            int min2 = 0x80;
            int max2 = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                continuationCount = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                continuationCount = 2;
                if (b0 == 0xE0) {
                    min2 = 0xA0; // overlong below U+0800
                } else if (b0 == 0xED) {
                    max2 = 0x9F; // UTF-16 surrogates
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                continuationCount = 3;
                if (b0 == 0xF0) {
                    min2 = 0x90; // overlong below U+10000
                } else if (b0 == 0xF4) {
                    max2 = 0x8F; // above U+10FFFF
                }
            } else {
                return false;
            }
            if (end - i - 1 < continuationCount) {
                return false;
            }
            int b1 = buffer.get(i + 1) & 0xFF;
            if (b1 < min2 || b1 > max2) {
                return false;
            }
            for (int k = 2; k <= continuationCount; k++) {
                int b = buffer.get(i + k) & 0xFF;
                if (b < 0x80 || b > 0xBF) {
                    return false;
                }
            }
            i += continuationCount + 1;
        }
        return true;
    }

    /** Decodes bytes already checked by {@link #isValid}. */
    static String decode(ByteBuffer buffer, int offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = buffer.get(offset + i);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Encodes {@code text}, refusing strings UTF-8 cannot represent (unpaired surrogates). */
    static byte[] encode(String text, String attributeName) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(attributeName + " is not representable in UTF-8 (unpaired surrogate)", e);
        }
    }
}
