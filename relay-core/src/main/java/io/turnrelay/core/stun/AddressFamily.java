package io.turnrelay.core.stun;

import java.net.InetAddress;

/** IP address family as STUN encodes it (0x01 IPv4, 0x02 IPv6). */
public enum AddressFamily {
    IPV4(0x01),
    IPV6(0x02);

    private final int code;

    AddressFamily(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The family of a JDK address ({@code Inet4Address} is IPv4, everything else IPv6). */
    public static AddressFamily of(InetAddress address) {
        return address instanceof java.net.Inet4Address ? IPV4 : IPV6;
    }
}
