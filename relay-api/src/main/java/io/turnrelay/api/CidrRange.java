package io.turnrelay.api;

import java.net.InetAddress;

/** An IPv4 or IPv6 address range in CIDR notation, e.g. {@code 10.0.0.0/8} or {@code fe80::/10}. */
public final class CidrRange {

    /** Parses {@code address/prefix} (or a bare address = a single host); IllegalArgumentException names the bad text. */
    public static CidrRange parse(String cidr) {
        throw new UnsupportedOperationException("api skeleton");
    }

    public boolean contains(InetAddress address) {
        throw new UnsupportedOperationException("api skeleton");
    }

    @Override
    public String toString() {
        throw new UnsupportedOperationException("api skeleton");
    }
}
