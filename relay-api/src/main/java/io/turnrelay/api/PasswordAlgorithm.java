package io.turnrelay.api;

/**
 * How a long-term credential's key is derived from username, realm and password (RFC 8489 §18.5):
 * MD5 gives the classic 16-byte key, SHA-256 the 32-byte key of PASSWORD-ALGORITHM 0x0002.
 */
public enum PasswordAlgorithm {
    MD5(0x0001),
    SHA256(0x0002);

    private final int code;

    PasswordAlgorithm(int code) {
        this.code = code;
    }

    /** The number PASSWORD-ALGORITHM(S) carries on the wire. */
    public int code() {
        return code;
    }

    /** Key = hash(username ":" realm ":" password), each as UTF-8 (OpaqueString-prepared inputs assumed). */
    public byte[] deriveKey(String username, String realm, String password) {
        throw new UnsupportedOperationException("api skeleton");
    }
}
