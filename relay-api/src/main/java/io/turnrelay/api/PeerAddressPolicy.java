package io.turnrelay.api;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

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
 *
 * <p>Precisely: an address is judged as itself and as each IPv4 address embedded in it. Besides the forms
 * above these are the IPv4-translated ::ffff:0:0:0/96, the local-use NAT64 prefix 64:ff9b:1::/48 (at every
 * RFC 6052 position its prefix length could use: /48, /56, /64 and /96) and both Teredo addresses (server
 * in bits 32-63, client as the inverted last 32 bits). A form passes when an allow range contains it or no
 * deny rule matches it; the peer is permitted only when every form passes. So allowing an IPv6 range does
 * not by itself open the IPv4 addresses embedded in it: allow those IPv4 ranges as well. Coturn's peer
 * address CVEs came from judging only the outer IPv6 address. Since the relay cannot know which layout a
 * local-use NAT64 prefix uses, its addresses pass only when all four candidate IPv4 addresses do, which in
 * practice lets through only the /96 layout (the others leave 0.0.0.0 in the last 32 bits).
 */
public final class PeerAddressPolicy {
    /** Denied whatever the switches say. */
    private static final List<CidrRange> ALWAYS_DENIED = ranges(
            "0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
            "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15",
            "::/128", "fe80::/10", "ff00::/8", "fc00::/7", "fec0::/10", "2001:db8::/32",
            // Discard-only, IPv6 benchmarking and the second IPv6 documentation prefix (RFC 6666, 5180, 9637).
            "100::/64", "2001:2::/48", "3fff::/20");
    private static final List<CidrRange> LOOPBACK = ranges("127.0.0.0/8", "::1/128");
    private static final List<CidrRange> PRIVATE = ranges("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");
    private static final PeerAddressPolicy DEFAULTS = new Builder().build();

    private static final long NAT64_WELL_KNOWN_HIGH = 0x0064_ff9b_0000_0000L;
    private static final long NAT64_LOCAL_USE_TOP_48 = 0x0064_ff9b_0001L;
    private static final long TEREDO_TOP_32 = 0x2001_0000L;
    private static final long SIX_TO_FOUR_TOP_16 = 0x2002L;
    private static final long LOW_32_BITS = 0xFFFF_FFFFL;

    private final boolean allowPrivate;
    private final boolean allowLoopback;
    private final CidrRange[] allowed;
    private final CidrRange[] explicitlyDenied;
    private final CidrRange[] relayAddresses;
    /** Explicit, built-in (as switched) and relay-address denials together: all have the same effect. */
    private final CidrRange[] denied;

    private PeerAddressPolicy(Builder builder) {
        this.allowPrivate = builder.allowPrivate;
        this.allowLoopback = builder.allowLoopback;
        this.allowed = builder.allowed.toArray(new CidrRange[0]);
        this.explicitlyDenied = builder.denied.toArray(new CidrRange[0]);
        this.relayAddresses = ownRanges(builder.relayAddresses, allowLoopback).toArray(new CidrRange[0]);
        List<CidrRange> denials = new ArrayList<>(ALWAYS_DENIED);
        if (!allowLoopback) {
            denials.addAll(LOOPBACK);
        }
        if (!allowPrivate) {
            denials.addAll(PRIVATE);
        }
        denials.addAll(builder.denied);
        denials.addAll(Arrays.asList(relayAddresses));
        this.denied = denials.toArray(new CidrRange[0]);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The default policy: built-in deny list, no private ranges, no loopback. */
    public static PeerAddressPolicy defaults() {
        return DEFAULTS;
    }

    /** Whether a client may relay to {@code peer}. Never throws; allocates only the address's byte copy. */
    public boolean permits(InetAddress peer) {
        byte[] address = peer.getAddress();
        if (address.length == 4) {
            return ipv4Passes(CidrRange.ipv4Bits(address));
        }
        if (address.length != 16) {
            return false;
        }
        long high = CidrRange.longAt(address, 0);
        long low = CidrRange.longAt(address, 8);
        return ipv6Passes(high, low) && embeddedIpv4Passes(high, low);
    }

    private boolean embeddedIpv4Passes(long high, long low) {
        long top32OfLow = low >>> 32;
        if (high == 0) {
            boolean mapped = top32OfLow == 0xFFFFL;
            boolean translated = top32OfLow == 0xFFFF_0000L;
            // :: and ::1 are the unspecified and loopback addresses, not IPv4-compatible ones.
            boolean compatible = top32OfLow == 0 && low != 0 && low != 1;
            return !(mapped || translated || compatible) || ipv4Passes((int) low);
        }
        if (high == NAT64_WELL_KNOWN_HIGH && top32OfLow == 0) {
            return ipv4Passes((int) low);
        }
        if (high >>> 16 == NAT64_LOCAL_USE_TOP_48) {
            // RFC 6052 skips bits 64-71; the operator's prefix length decides where the IPv4 address sits.
            int at48 = (int) (((high & 0xFFFF) << 16) | ((low >>> 40) & 0xFFFF));
            int at56 = (int) (((high & 0xFF) << 24) | ((low >>> 32) & 0xFF_FFFF));
            int at64 = (int) ((low >>> 24) & LOW_32_BITS);
            int at96 = (int) low;
            return ipv4Passes(at48) && ipv4Passes(at56) && ipv4Passes(at64) && ipv4Passes(at96);
        }
        if (high >>> 48 == SIX_TO_FOUR_TOP_16) {
            return ipv4Passes((int) (high >>> 16));
        }
        if (high >>> 32 == TEREDO_TOP_32) {
            int server = (int) high;
            int client = ~(int) low;
            return ipv4Passes(server) && ipv4Passes(client);
        }
        return true;
    }

    private boolean ipv4Passes(int address) {
        for (CidrRange range : allowed) {
            if (range.containsIpv4(address)) {
                return true;
            }
        }
        for (CidrRange range : denied) {
            if (range.containsIpv4(address)) {
                return false;
            }
        }
        return true;
    }

    private boolean ipv6Passes(long high, long low) {
        for (CidrRange range : allowed) {
            if (range.containsIpv6(high, low)) {
                return true;
            }
        }
        for (CidrRange range : denied) {
            if (range.containsIpv6(high, low)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "PeerAddressPolicy[allowPrivate=" + allowPrivate + ", allowLoopback=" + allowLoopback
                + ", allow=" + Arrays.toString(allowed) + ", deny=" + Arrays.toString(explicitlyDenied)
                + ", relayAddresses=" + Arrays.toString(relayAddresses) + "]";
    }

    private static boolean isIpv4Mapped(byte[] address) {
        if (address.length != 16 || address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<CidrRange> ranges(String... cidrs) {
        List<CidrRange> ranges = new ArrayList<>(cidrs.length);
        for (String cidr : cidrs) {
            ranges.add(CidrRange.parse(cidr));
        }
        return List.copyOf(ranges);
    }

    /** Host ranges for the relay's own addresses; loopback ones are left out while loopback peers are allowed. */
    private static List<CidrRange> ownRanges(List<InetAddress> addresses, boolean allowLoopback) {
        List<CidrRange> ranges = new ArrayList<>();
        for (InetAddress address : addresses) {
            byte[] bytes = address.getAddress();
            // A relay on loopback (tests, local setups) would otherwise veto the very loopback peers allowed.
            if (allowLoopback && address.isLoopbackAddress()) {
                continue;
            }
            ranges.add(CidrRange.of(bytes, bytes.length * 8));
            if (isIpv4Mapped(bytes)) {
                ranges.add(CidrRange.of(Arrays.copyOfRange(bytes, 12, 16), 32));
            }
        }
        return ranges;
    }

    /** Builder of a {@link PeerAddressPolicy}. Ranges and addresses accumulate over repeated calls. */
    public static final class Builder {
        private boolean allowPrivate;
        private boolean allowLoopback;
        private final List<CidrRange> allowed = new ArrayList<>();
        private final List<CidrRange> denied = new ArrayList<>();
        private final List<InetAddress> relayAddresses = new ArrayList<>();

        private Builder() {}

        /** Permits 10/8, 172.16/12 and 192.168/16 (default false). */
        public Builder allowPrivate(boolean allow) {
            this.allowPrivate = allow;
            return this;
        }

        /** Permits 127/8 and ::1 (default false). */
        public Builder allowLoopback(boolean allow) {
            this.allowLoopback = allow;
            return this;
        }

        /** Permits {@code range} even where a deny rule, built-in or explicit, would refuse it. */
        public Builder allow(CidrRange range) {
            allowed.add(Objects.requireNonNull(range, "range"));
            return this;
        }

        /** Refuses {@code range} unless an allow range also contains the address. */
        public Builder deny(CidrRange range) {
            denied.add(Objects.requireNonNull(range, "range"));
            return this;
        }

        /**
         * The relay's own addresses (public and bound), denied unless explicitly allowed; a loopback one only
         * while loopback peers are denied anyway.
         */
        public Builder relayAddresses(Collection<InetAddress> addresses) {
            for (InetAddress address : addresses) {
                relayAddresses.add(Objects.requireNonNull(address, "relay address"));
            }
            return this;
        }

        public PeerAddressPolicy build() {
            return new PeerAddressPolicy(this);
        }
    }
}
