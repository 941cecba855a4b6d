package io.turnrelay.api;

import java.net.InetAddress;
import java.util.Collection;

/**
 * Which peer addresses a client may relay to, checked on CreatePermission, ChannelBind and Send.
 *
 * <p>Every address is first canonicalised: IPv6 forms that embed an IPv4 address (IPv4-mapped
 * ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) are judged
 * by the IPv4 address they carry as well. Then the explicit allow list wins, then the explicit deny list,
 * then the built-in deny list (unspecified, 0.0.0.0/8, loopback, link-local incl. 169.254/16 and
 * fe80::/10, multicast, broadcast, ULA fc00::/7, site-local fec0::/10, CGNAT 100.64/10, the TEST-NETs,
 * benchmarking and reserved ranges, and the relay's own addresses), with RFC 1918 private ranges denied
 * unless {@link Builder#allowPrivate}, loopback denied unless {@link Builder#allowLoopback}.
 * Immutable and thread-safe.
 */
public final class PeerAddressPolicy {

    public static Builder builder() {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** The default policy: built-in deny list, no private ranges, no loopback. */
    public static PeerAddressPolicy defaults() {
        throw new UnsupportedOperationException("api skeleton");
    }

    public boolean permits(InetAddress peer) {
        throw new UnsupportedOperationException("api skeleton");
    }

    /** Builder of a {@link PeerAddressPolicy}. */
    public static final class Builder {
        private Builder() {}

        public Builder allowPrivate(boolean allow) { throw new UnsupportedOperationException("api skeleton"); }

        public Builder allowLoopback(boolean allow) { throw new UnsupportedOperationException("api skeleton"); }

        public Builder allow(CidrRange range) { throw new UnsupportedOperationException("api skeleton"); }

        public Builder deny(CidrRange range) { throw new UnsupportedOperationException("api skeleton"); }

        /** The relay's own addresses (public and bound), always denied unless explicitly allowed. */
        public Builder relayAddresses(Collection<InetAddress> addresses) { throw new UnsupportedOperationException("api skeleton"); }

        public PeerAddressPolicy build() { throw new UnsupportedOperationException("api skeleton"); }
    }
}
