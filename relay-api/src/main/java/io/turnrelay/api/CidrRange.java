package io.turnrelay.api;

import java.net.InetAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An IPv4 or IPv6 address range in CIDR notation, e.g. {@code 10.0.0.0/8} or {@code fe80::/10}.
 *
 * <p>Parsing never consults DNS: only numeric literals are accepted (see {@link #parse}). Host bits set
 * below the prefix are masked off, so {@code 10.1.2.3/8} equals {@code 10.0.0.0/8}. A range contains only
 * addresses of its own family: IPv4 ranges never contain IPv6 addresses, not even IPv4-mapped ones
 * ({@link PeerAddressPolicy} is what looks inside those). Immutable; equal when family, network and prefix are.
 */
public final class CidrRange {
    private static final long LOW_32_BITS = 0xFFFF_FFFFL;

    private final boolean ipv4;
    private final int prefixLength;
    /** The network, left-aligned in 128 bits for IPv6; for IPv4 in the low 32 bits of {@link #low}. */
    private final long high;
    private final long low;
    private final long maskHigh;
    private final long maskLow;

    private CidrRange(boolean ipv4, int prefixLength, long high, long low) {
        this.ipv4 = ipv4;
        this.prefixLength = prefixLength;
        if (ipv4) {
            this.maskHigh = 0;
            this.maskLow = prefixLength == 0 ? 0 : (LOW_32_BITS << (32 - prefixLength)) & LOW_32_BITS;
        } else {
            this.maskHigh = prefixMask(prefixLength);
            this.maskLow = prefixMask(prefixLength - 64);
        }
        this.high = high & maskHigh;
        this.low = low & maskLow;
    }

    /** The 64-bit mask whose top {@code bits} bits are set ({@code bits} clamped to 0..64). */
    private static long prefixMask(int bits) {
        if (bits <= 0) {
            return 0;
        }
        return bits >= 64 ? -1L : -1L << (64 - bits);
    }

    /**
     * Parses {@code address/prefix} (or a bare address = a single host); IllegalArgumentException names the
     * bad text. The address must be a numeric IPv4 (dotted quad, no leading zeros) or IPv6 literal without
     * zone or brackets; the prefix a decimal 0-32 or 0-128.
     */
    public static CidrRange parse(String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        int slash = cidr.indexOf('/');
        String addressText = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] address = IpLiteral.parse(addressText);
        if (address == null) {
            throw new IllegalArgumentException(
                    "Not a CIDR range: '" + cidr + "' ('" + addressText + "' is not a numeric IPv4 or IPv6 address)");
        }
        int maxPrefix = address.length * 8;
        int prefix = maxPrefix;
        if (slash >= 0) {
            prefix = parsePrefix(cidr.substring(slash + 1), maxPrefix);
            if (prefix < 0) {
                throw new IllegalArgumentException("Not a CIDR range: '" + cidr + "' (the prefix length must be 0-"
                        + maxPrefix + ")");
            }
        }
        return of(address, prefix);
    }

    /** The range of {@code address} bytes (4 or 16) and a prefix already known to be in bounds. */
    static CidrRange of(byte[] address, int prefixLength) {
        if (address.length == 4) {
            return new CidrRange(true, prefixLength, 0, ipv4Bits(address) & LOW_32_BITS);
        }
        return new CidrRange(false, prefixLength, longAt(address, 0), longAt(address, 8));
    }

    private static int parsePrefix(String text, int max) {
        if (text.isEmpty() || text.length() > 3) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }

    /** Whether {@code address} is of this range's family and agrees with it in the first prefix-length bits. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return ipv4 && containsIpv4(ipv4Bits(bytes));
        }
        return !ipv4 && bytes.length == 16 && containsIpv6(longAt(bytes, 0), longAt(bytes, 8));
    }

    boolean isIpv4() {
        return ipv4;
    }

    /** Whether this IPv4 range holds {@code address} (big-endian bits); false for IPv6 ranges. */
    boolean containsIpv4(int address) {
        return ipv4 && ((address & LOW_32_BITS) & maskLow) == low;
    }

    /** Whether this IPv6 range holds the address with these upper and lower 64 bits; false for IPv4 ranges. */
    boolean containsIpv6(long addressHigh, long addressLow) {
        return !ipv4 && (addressHigh & maskHigh) == high && (addressLow & maskLow) == low;
    }

    static int ipv4Bits(byte[] address) {
        return ((address[0] & 0xff) << 24) | ((address[1] & 0xff) << 16) | ((address[2] & 0xff) << 8)
                | (address[3] & 0xff);
    }

    static long longAt(byte[] address, int offset) {
        long value = 0;
        for (int i = offset; i < offset + 8; i++) {
            value = (value << 8) | (address[i] & 0xff);
        }
        return value;
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof CidrRange
                && ((CidrRange) other).ipv4 == ipv4
                && ((CidrRange) other).prefixLength == prefixLength
                && ((CidrRange) other).high == high
                && ((CidrRange) other).low == low;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ipv4, prefixLength, high, low);
    }

    /** The masked network and prefix, e.g. {@code 10.0.0.0/8} or {@code fe80::/10} (RFC 5952 text). */
    @Override
    public String toString() {
        byte[] network;
        if (ipv4) {
            int bits = (int) low;
            network = new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
        } else {
            network = new byte[16];
            for (int i = 0; i < 8; i++) {
                network[i] = (byte) (high >>> (56 - 8 * i));
                network[8 + i] = (byte) (low >>> (56 - 8 * i));
            }
        }
        return IpLiteral.format(network) + "/" + prefixLength;
    }
}
