package io.turnrelay.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How a long-term credential's key is derived from username, realm and password (RFC 8489 §18.5):
 * MD5 gives the classic 16-byte key, SHA-256 the 32-byte key of PASSWORD-ALGORITHM 0x0002.
 */
public enum PasswordAlgorithm {
    MD5(0x0001, "MD5"),
    SHA256(0x0002, "SHA-256");

    private final int code;
    private final String digestName;

    PasswordAlgorithm(int code, String digestName) {
        this.code = code;
        this.digestName = digestName;
    }

    /** The number PASSWORD-ALGORITHM(S) carries on the wire. */
    public int code() {
        return code;
    }

    /** Key = hash(username ":" realm ":" password), each as UTF-8 (OpaqueString-prepared inputs assumed). */
    public byte[] deriveKey(String username, String realm, String password) {
        MessageDigest digest = newDigest();
        digest.update(username.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) ':');
        digest.update(realm.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) ':');
        digest.update(password.getBytes(StandardCharsets.UTF_8));
        return digest.digest();
    }

    /** A fresh digest of this algorithm's hash; MessageDigest instances are not thread-safe. */
    MessageDigest newDigest() {
        return newDigest(digestName);
    }

    static MessageDigest newDigest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE platform must provide MD5 and SHA-256.
            throw new IllegalStateException(name + " is not available", e);
        }
    }
}
