package io.turnrelay.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Test addresses built from literals or bytes, never through DNS. */
final class Addresses {
    private Addresses() {}

    /** The address a numeric literal spells; the JDK turns IPv4-mapped IPv6 text into an Inet4Address. */
    static InetAddress literal(String text) {
        if (!text.matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("not a literal, would need DNS: " + text);
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** An Inet6Address even for IPv4-mapped text, as a transport reading raw sockaddr_in6 may produce. */
    static Inet6Address ipv6(String text) {
        byte[] bytes = literal(text).getAddress();
        if (bytes.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        return ipv6(bytes);
    }

    static Inet6Address ipv6(byte[] sixteenBytes) {
        try {
            return Inet6Address.getByAddress(null, sixteenBytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static InetAddress ipv4(int address) {
        try {
            return InetAddress.getByAddress(new byte[] {
                (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
