package io.turnrelay.api;

import org.jspecify.annotations.Nullable;

/**
 * Numeric IPv4 and IPv6 address text, parsed and printed without ever consulting DNS (unlike
 * {@code InetAddress.getByName}, which resolves anything that is not a literal).
 *
 * <p>IPv4 is strict dotted-quad: four decimal parts 0-255 without leading zeros, so that {@code 010.0.0.1}
 * is refused rather than read as decimal by some tools and octal by others. IPv6 follows RFC 4291 §2.2:
 * up to eight groups of 1-4 ASCII hex digits, at most one {@code ::}, optionally ending in a dotted quad.
 * Zone identifiers and brackets are refused.
 */
final class IpLiteral {
    private static final int IPV6_GROUPS = 8;

    private IpLiteral() {}

    /** The 4 or 16 address bytes {@code text} spells, or {@code null} if it is not an address literal. */
    static byte @Nullable [] parse(String text) {
        if (text.indexOf(':') >= 0) {
            return parseIpv6(text);
        }
        byte[] address = new byte[4];
        return parseIpv4(text, 0, text.length(), address, 0) ? address : null;
    }

    private static boolean parseIpv4(String text, int from, int to, byte[] into, int offset) {
        int position = from;
        for (int part = 0; part < 4; part++) {
            int end = position;
            int value = 0;
            while (end < to && end - position < 3 && isDecimalDigit(text.charAt(end))) {
                value = value * 10 + (text.charAt(end) - '0');
                end++;
            }
            int digits = end - position;
            if (digits == 0 || value > 255 || (digits > 1 && text.charAt(position) == '0')) {
                return false;
            }
            into[offset + part] = (byte) value;
            if (part < 3) {
                if (end >= to || text.charAt(end) != '.') {
                    return false;
                }
                position = end + 1;
            } else if (end != to) {
                return false;
            }
        }
        return true;
    }

    private static byte @Nullable [] parseIpv6(String text) {
        int[] head = new int[IPV6_GROUPS];
        int[] tail = new int[IPV6_GROUPS];
        int headCount;
        int tailCount = 0;
        int compression = text.indexOf("::");
        if (compression < 0) {
            headCount = parseGroups(text, 0, text.length(), head, true);
            if (headCount != IPV6_GROUPS) {
                return null;
            }
        } else {
            if (text.indexOf("::", compression + 1) >= 0) {
                return null;
            }
            headCount = parseGroups(text, 0, compression, head, false);
            tailCount = parseGroups(text, compression + 2, text.length(), tail, true);
            // "::" stands for at least one zero group.
            if (headCount < 0 || tailCount < 0 || headCount + tailCount > IPV6_GROUPS - 1) {
                return null;
            }
        }
        byte[] address = new byte[16];
        for (int i = 0; i < headCount; i++) {
            putGroup(address, i, head[i]);
        }
        for (int i = 0; i < tailCount; i++) {
            putGroup(address, IPV6_GROUPS - tailCount + i, tail[i]);
        }
        return address;
    }

    /**
     * Reads colon-separated hex groups from {@code text[from, to)} into {@code groups}; a trailing dotted
     * quad (allowed only at the end of the address) fills two groups. Returns the count, or -1 if malformed.
     */
    private static int parseGroups(String text, int from, int to, int[] groups, boolean endsAddress) {
        if (from == to) {
            return 0;
        }
        int count = 0;
        int position = from;
        while (true) {
            int end = text.indexOf(':', position);
            if (end < 0 || end > to) {
                end = to;
            }
            if (end == position || count >= IPV6_GROUPS) {
                return -1;
            }
            if (endsAddress && end == to && text.indexOf('.', position) >= 0 && text.indexOf('.', position) < to) {
                if (count + 2 > IPV6_GROUPS) {
                    return -1;
                }
                byte[] quad = new byte[4];
                if (!parseIpv4(text, position, to, quad, 0)) {
                    return -1;
                }
                groups[count++] = ((quad[0] & 0xff) << 8) | (quad[1] & 0xff);
                groups[count++] = ((quad[2] & 0xff) << 8) | (quad[3] & 0xff);
                return count;
            }
            if (end - position > 4) {
                return -1;
            }
            int value = 0;
            for (int i = position; i < end; i++) {
                int digit = hexValue(text.charAt(i));
                if (digit < 0) {
                    return -1;
                }
                value = (value << 4) | digit;
            }
            groups[count++] = value;
            if (end == to) {
                return count;
            }
            position = end + 1;
        }
    }

    private static void putGroup(byte[] address, int group, int value) {
        address[2 * group] = (byte) (value >>> 8);
        address[2 * group + 1] = (byte) value;
    }

    private static boolean isDecimalDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** RFC 5952 text: IPv4 dotted-quad; IPv6 lowercase, longest zero run compressed, IPv4-mapped as ::ffff:a.b.c.d. */
    static String format(byte[] address) {
        if (address.length == 4) {
            return formatIpv4(address, 0);
        }
        int[] groups = new int[IPV6_GROUPS];
        for (int i = 0; i < IPV6_GROUPS; i++) {
            groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
                && groups[5] == 0xffff) {
            return "::ffff:" + formatIpv4(address, 12);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never compressed
        for (int i = 0; i < IPV6_GROUPS; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < IPV6_GROUPS && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < IPV6_GROUPS; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static String formatIpv4(byte[] address, int offset) {
        return (address[offset] & 0xff) + "." + (address[offset + 1] & 0xff) + "."
                + (address[offset + 2] & 0xff) + "." + (address[offset + 3] & 0xff);
    }
}
