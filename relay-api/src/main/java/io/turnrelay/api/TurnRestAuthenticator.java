package io.turnrelay.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The TURN REST API scheme (coturn's {@code use-auth-secret}): USERNAME is {@code <unix-expiry>[:<user>]}
 * and the password is base64(HMAC-SHA1(shared secret, USERNAME)). Expired usernames, and expiries further
 * ahead than {@code maxValiditySeconds}, are refused. Times are 64-bit (no 2038 problem).
 *
 * <p>The expiry is the decimal number before the first {@code ':'}; the user part after it may itself
 * contain {@code ':'}. A username is expired once the clock reaches its expiry. Any realm. Thread-safe.
 */
public final class TurnRestAuthenticator implements Authenticator {

    /** Default furthest-ahead expiry accepted: 30 days. */
    public static final long DEFAULT_MAX_VALIDITY_SECONDS = 30L * 24 * 3600;

    private static final String HMAC_SHA1 = "HmacSHA1";
    /** Long.MAX_VALUE has 19 digits; longer digit strings cannot be a 64-bit expiry. */
    private static final int MAX_EXPIRY_DIGITS = 19;

    private final SecretKeySpec key;
    private final long maxValiditySeconds;

    public TurnRestAuthenticator(String sharedSecret) {
        this(sharedSecret, DEFAULT_MAX_VALIDITY_SECONDS);
    }

    /** {@code maxValiditySeconds} must be positive; {@code Long.MAX_VALUE} accepts any future expiry. */
    public TurnRestAuthenticator(String sharedSecret, long maxValiditySeconds) {
        Objects.requireNonNull(sharedSecret, "sharedSecret");
        if (sharedSecret.isEmpty()) {
            throw new IllegalArgumentException("The shared secret must not be empty");
        }
        if (maxValiditySeconds <= 0) {
            throw new IllegalArgumentException("maxValiditySeconds must be positive: " + maxValiditySeconds);
        }
        this.key = new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), HMAC_SHA1);
        this.maxValiditySeconds = maxValiditySeconds;
    }

    /** The password a client must use for {@code username} (what an application mints for its users). */
    public String passwordFor(String username) {
        Mac mac = newMac();
        byte[] digest = mac.doFinal(username.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(digest);
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        int colon = username.indexOf(':');
        long expiry = parseExpiry(username, colon < 0 ? username.length() : colon);
        if (expiry < 0 || expiry <= unixTimeSeconds) {
            return null;
        }
        // expiry > now, so the difference fits in an unsigned 64-bit value even when now is negative.
        if (Long.compareUnsigned(expiry - unixTimeSeconds, maxValiditySeconds) > 0) {
            return null;
        }
        return LongTermCredential.ofPassword(passwordFor(username));
    }

    /** The non-negative decimal in {@code text[0, end)}, or -1 when it is not one or overflows 64 bits. */
    private static long parseExpiry(String text, int end) {
        if (end == 0 || end > MAX_EXPIRY_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
            if (value < 0) {
                return -1;
            }
        }
        return value;
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA1);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            // HmacSHA1 is mandatory on every Java SE platform and the key is never empty.
            throw new IllegalStateException("HmacSHA1 is not available", e);
        }
    }
}
