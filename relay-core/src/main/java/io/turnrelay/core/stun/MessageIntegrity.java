package io.turnrelay.core.stun;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC of MESSAGE-INTEGRITY (SHA-1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 (§14.6), shared by the
 * writer and the verifier so both cover exactly the same bytes.
 */
final class MessageIntegrity {

    /** The two HMACs STUN uses and their full output lengths. */
    enum Algorithm {
        SHA1("HmacSHA1", 20),
        SHA256("HmacSHA256", 32);

        private final String jcaName;
        private final int length;
        // Looking the provider up costs more than the HMAC of a small message; a Mac is not thread-safe,
        // so each thread keeps its own and init() with the message's key resets it.
        private final ThreadLocal<Mac> perThread = ThreadLocal.withInitial(this::newInstance);

        Algorithm(String jcaName, int length) {
            this.jcaName = jcaName;
            this.length = length;
        }

        private Mac newInstance() {
            try {
                return Mac.getInstance(jcaName);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(jcaName + " is missing from this JDK", e);
            }
        }

        int length() {
            return length;
        }
    }

    private MessageIntegrity() {}

    /**
     * The full HMAC for an integrity attribute at {@code attributeOffset} whose value will be
     * {@code valueLength} bytes: header (length patched to end after the attribute) plus the attributes before it.
     */
    static byte[] compute(Algorithm algorithm, byte[] key, ByteBuffer buffer, int messageStart, int attributeOffset, int valueLength) {
        Mac mac = initialisedMac(algorithm, key);
        int declaredLength = CoveredRegion.lengthThrough(messageStart, attributeOffset, valueLength);
        mac.update(CoveredRegion.headerWithLength(buffer, messageStart, declaredLength));
        mac.update(CoveredRegion.attributesBefore(buffer, messageStart, attributeOffset));
        return mac.doFinal();
    }

    /** Constant-time check of the (possibly truncated) value at {@code attributeOffset + 4}. */
    static boolean verify(Algorithm algorithm, byte[] key, ByteBuffer buffer, int messageStart, int attributeOffset, int valueLength) {
        byte[] expected = compute(algorithm, key, buffer, messageStart, attributeOffset, valueLength);
        byte[] expectedPrefix = Arrays.copyOf(expected, valueLength);
        byte[] received = new byte[valueLength];
        for (int i = 0; i < valueLength; i++) {
            received[i] = buffer.get(attributeOffset + 4 + i);
        }
        return MessageDigest.isEqual(expectedPrefix, received);
    }

    private static Mac initialisedMac(Algorithm algorithm, byte[] key) {
        // SecretKeySpec refuses an empty key; HMAC zero-pads short keys, so one zero byte is the same key.
        byte[] effectiveKey = key.length == 0 ? new byte[1] : key;
        Mac mac = algorithm.perThread.get();
        try {
            mac.init(new SecretKeySpec(effectiveKey, algorithm.jcaName));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.jcaName + " refused a key", e);
        }
    }
}
