package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Self-validating nonces: nothing is stored per client. A nonce is the RFC 8489 §9.2 nonce cookie
 * ("obMatJos2" + the security-feature bits), then base64url of the issue time (monotonic nanoseconds)
 * and a truncated HMAC-SHA256 under a per-server secret of that time and the client's 5-tuple (transport, client
 * address, listener address). It is valid for the client it was issued to, until {@code validity} after issue.
 */
final class NonceIssuer {
    static final String COOKIE = "obMatJos2";
    /** Security features: bit 0 password algorithms, bit 1 username anonymity (24 bits, base64 "wAAA"). */
    static final String FEATURES = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xC0, 0, 0});
    private static final int MAC_BYTES = 12;
    private static final int BODY_BYTES = Long.BYTES + MAC_BYTES;

    private final Mac mac;
    private final long validityNanos;

    NonceIssuer(RandomGenerator random, long validityNanos) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
        this.validityNanos = validityNanos;
    }

    String issue(ClientLink client, long now) {
        ByteBuffer body = ByteBuffer.allocate(BODY_BYTES);
        body.putLong(now);
        body.put(tag(client, now));
        return COOKIE + FEATURES + Base64.getUrlEncoder().withoutPadding().encodeToString(body.array());
    }

    /** Whether the nonce carries the password-algorithms feature bit (ours always do). */
    static boolean advertisesPasswordAlgorithms(String nonce) {
        if (!nonce.startsWith(COOKIE) || nonce.length() < COOKIE.length() + 4) {
            return false;
        }
        byte[] bits;
        try {
            bits = Base64.getDecoder().decode(nonce.substring(COOKIE.length(), COOKIE.length() + 4));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return bits.length == 3 && (bits[0] & 0x80) != 0;
    }

    enum Verdict { VALID, STALE, FOREIGN }

    Verdict check(String nonce, ClientLink client, long now) {
        String prefix = COOKIE + FEATURES;
        if (!nonce.startsWith(prefix)) {
            return Verdict.FOREIGN;
        }
        byte[] body;
        try {
            body = Base64.getUrlDecoder().decode(nonce.substring(prefix.length()));
        } catch (IllegalArgumentException e) {
            return Verdict.FOREIGN;
        }
        if (body.length != BODY_BYTES) {
            return Verdict.FOREIGN;
        }
        long issuedAt = ByteBuffer.wrap(body).getLong();
        byte[] presented = new byte[MAC_BYTES];
        System.arraycopy(body, Long.BYTES, presented, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(presented, tag(client, issuedAt))) {
            return Verdict.FOREIGN;
        }
        // Subtraction, not comparison of absolute values: monotonic time may wrap or be negative.
        long age = now - issuedAt;
        return age >= 0 && age < validityNanos ? Verdict.VALID : Verdict.STALE;
    }

    private byte[] tag(ClientLink client, long issuedAt) {
        byte[] remote = addressBytes(client.remote());
        byte[] local = addressBytes(client.local());
        ByteBuffer input = ByteBuffer.allocate(Long.BYTES + 2 + remote.length + local.length + 4);
        input.putLong(issuedAt).put((byte) client.transport().ordinal())
                .put((byte) remote.length).put(remote).putShort((short) client.remote().getPort())
                .put(local).putShort((short) client.local().getPort());
        byte[] full = mac.doFinal(input.array());
        byte[] truncated = new byte[MAC_BYTES];
        System.arraycopy(full, 0, truncated, 0, MAC_BYTES);
        return truncated;
    }

    private static byte[] addressBytes(InetSocketAddress address) {
        return address.getAddress() == null ? new byte[0] : address.getAddress().getAddress();
    }
}
