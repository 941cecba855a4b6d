package io.turnrelay.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The Firezone portal's scheme: realm {@code firezone}, USERNAME {@code <unix-expiry>:<salt>}, password
 * base64-without-padding(SHA-256("<expiry>:<secret-hex>:<salt>")), where the secret is 32 random bytes
 * written as 64 lowercase hex characters and shared with the portal at join.
 *
 * <p>The secret is used as text, exactly as given: the relay generates 64 lowercase hex characters
 * ({@link #generateSecretHex}), but any non-empty text is accepted (the portal's own test vectors use a
 * UUID). The expiry is an unsigned 64-bit decimal without sign or leading zeros (the password is derived
 * from its canonical form, so other spellings could never match); a username is expired once the clock
 * reaches its expiry. The password is a plain SHA-256, not an HMAC. Thread-safe.
 */
public final class FirezoneAuthenticator implements Authenticator {
    public static final String REALM = "firezone";

    private static final int SECRET_BYTES = 32;
    /** 2^64 - 1 has 20 digits. */
    private static final int MAX_EXPIRY_DIGITS = 20;

    private final String secretHex;

    public FirezoneAuthenticator(String secretHex) {
        Objects.requireNonNull(secretHex, "secretHex");
        if (secretHex.isEmpty()) {
            throw new IllegalArgumentException("The relay secret must not be empty");
        }
        this.secretHex = secretHex;
    }

    /** A fresh relay secret: 32 bytes from {@code random} (pass a SecureRandom) as 64 lowercase hex characters. */
    public static String generateSecretHex(RandomGenerator random) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }

    /**
     * The password for {@code <expiry>:<salt>} under this relay's secret. The expiry is read as unsigned,
     * like the u64 in the USERNAME; a salt containing {@code ':'} could never form a valid USERNAME and is
     * refused with IllegalArgumentException.
     */
    public String passwordFor(long expiryUnixSeconds, String salt) {
        if (salt.indexOf(':') >= 0) {
            throw new IllegalArgumentException("A salt must not contain ':': " + salt);
        }
        MessageDigest sha256 = PasswordAlgorithm.SHA256.newDigest();
        String text = Long.toUnsignedString(expiryUnixSeconds) + ':' + secretHex + ':' + salt;
        byte[] digest = sha256.digest(text.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().withoutPadding().encodeToString(digest);
    }

    public String secretHex() {
        return secretHex;
    }

    @Override
    public @Nullable LongTermCredential credential(String username, String realm, long unixTimeSeconds) {
        if (!REALM.equals(realm)) {
            return null;
        }
        int colon = username.indexOf(':');
        if (colon < 0 || username.indexOf(':', colon + 1) >= 0) {
            return null;
        }
        String expiryText = username.substring(0, colon);
        if (!isCanonicalUnsignedDecimal(expiryText)) {
            return null;
        }
        long expiry;
        try {
            expiry = Long.parseUnsignedLong(expiryText);
        } catch (NumberFormatException e) {
            return null; // beyond 2^64 - 1
        }
        if (isExpired(expiry, unixTimeSeconds)) {
            return null;
        }
        return LongTermCredential.ofPassword(passwordFor(expiry, username.substring(colon + 1)));
    }

    private static boolean isExpired(long unsignedExpiry, long unixTimeSeconds) {
        // Every u64 expiry lies after a clock before 1970.
        return unixTimeSeconds >= 0 && Long.compareUnsigned(unsignedExpiry, unixTimeSeconds) <= 0;
    }

    private static boolean isCanonicalUnsignedDecimal(String text) {
        int length = text.length();
        if (length == 0 || length > MAX_EXPIRY_DIGITS || (length > 1 && text.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
