package io.turnrelay.api;

import static io.turnrelay.api.Addresses.ipv6;
import static io.turnrelay.api.Addresses.literal;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerAddressPolicyTest {
    private final PeerAddressPolicy defaults = PeerAddressPolicy.defaults();

    @ParameterizedTest
    @ValueSource(strings = {
        // "this network", loopback, link-local (cloud metadata lives at 169.254.169.254)
        "0.0.0.0", "0.255.255.255", "127.0.0.1", "127.0.0.0", "127.255.255.255",
        "169.254.0.0", "169.254.169.254", "169.254.255.255",
        // multicast, reserved, broadcast
        "224.0.0.0", "224.0.0.1", "239.255.255.255", "240.0.0.0", "250.1.2.3", "255.255.255.254", "255.255.255.255",
        // CGNAT, IETF protocol assignments, TEST-NET-1/2/3, benchmarking
        "100.64.0.0", "100.127.255.255", "192.0.0.0", "192.0.0.255", "192.0.2.0", "192.0.2.255",
        "198.51.100.0", "198.51.100.255", "203.0.113.0", "203.0.113.255", "198.18.0.0", "198.19.255.255",
        // RFC 1918
        "10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255", "192.168.0.0", "192.168.255.255",
        // IPv6 unspecified, loopback, link-local, multicast, ULA, site-local, documentation and friends
        "::", "::1", "fe80::", "fe80::1", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::", "ff02::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::", "fd12:3456::1", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fec0::", "fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::", "2001:db8::1",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "100::1", "2001:2::1", "3fff::1",
    })
    void defaultPolicyDeniesEveryBuiltInRange(String address) {
        assertThat(defaults.permits(literal(address))).as(address).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1.0.0.0", "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
        "100.63.255.255", "100.128.0.0", "192.0.1.255", "192.0.3.0", "198.17.255.255", "198.20.0.0",
        "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
        "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:db7:ffff::1", "2001:db9::1",
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2003::1",
    })
    void defaultPolicyPermitsPublicAddressesJustOutsideTheRanges(String address) {
        assertThat(defaults.permits(literal(address))).as(address).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::ffff:0.0.0.0",
        "::127.0.0.1", "::169.254.169.254", "::10.0.0.1", "::0.0.0.2",
        "::ffff:0:127.0.0.1", "::ffff:0:a9fe:a9fe",
        "64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1",
        "2002:7f00:1::", "2002:7f00:1:1234::5", "2002:a9fe:a9fe::1", "2002:c0a8:101::",
        // Teredo: server 8.8.8.8, client 127.0.0.1 stored inverted (0x80fffffe)
        "2001:0:808:808:0:0:80ff:fffe",
        // Teredo: server 127.0.0.1, client 8.8.8.8 inverted
        "2001:0:7f00:1::f7f7:f7f7",
        // Local-use NAT64 64:ff9b:1::/48, /96 layout
        "64:ff9b:1::7f00:1",
    })
    void ipv4EmbeddedInIpv6IsJudgedToo(String address) {
        assertThat(defaults.permits(ipv6(address))).as(address).isFalse();
        assertThat(defaults.permits(literal(address))).as(address + " as the JDK parses it").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"64:ff9b:1::7f00:1", "64:ff9b:1:0:7f:0:100:0", "64:ff9b:1:7f:0:1::",
        "64:ff9b:1:7f00:0:100::"})
    void localUseNat64IsJudgedAtEveryRfc6052Position(String address) {
        // Opening 0.0.0.0/8 lets the zero bits at the other positions through, isolating the one with 127.0.0.1
        // (/96, /64, /56 and /48 layouts in order).
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allow(CidrRange.parse("0.0.0.0/8")).build();

        assertThat(policy.permits(literal("64:ff9b:1::"))).isTrue();
        assertThat(policy.permits(literal(address))).as(address).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "::ffff:8.8.8.8", "::8.8.8.8", "::ffff:0:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
        "2001:0:808:808::f7f7:fbfb", "64:ff9b:1:808:8:808:808:0",
    })
    void embeddedPublicIpv4IsPermitted(String address) {
        assertThat(defaults.permits(ipv6(address))).as(address).isTrue();
    }

    @Test
    void ipv6LoopbackAndUnspecifiedAreNotIpv4Compatible() {
        PeerAddressPolicy loopbackAllowed = PeerAddressPolicy.builder().allowLoopback(true).build();

        // ::1 is IPv6 loopback, not 0.0.0.1 (which is in 0.0.0.0/8).
        assertThat(loopbackAllowed.permits(literal("::1"))).isTrue();
        assertThat(loopbackAllowed.permits(literal("::"))).isFalse();
        assertThat(loopbackAllowed.permits(literal("::2"))).isFalse();
    }

    @Test
    void allowPrivateOpensRfc1918Only() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allowPrivate(true).build();

        for (String address : List.of("10.1.2.3", "172.16.5.4", "192.168.1.1", "::ffff:10.1.2.3", "64:ff9b::a01:203",
                "2002:c0a8:101::")) {
            assertThat(policy.permits(ipv6OrV4(address))).as(address).isTrue();
        }
        for (String address : List.of("127.0.0.1", "::1", "100.64.0.1", "169.254.169.254", "fd00::1")) {
            assertThat(policy.permits(literal(address))).as(address).isFalse();
        }
    }

    @Test
    void allowLoopbackOpensLoopbackOnly() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allowLoopback(true).build();

        for (String address : List.of("127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1")) {
            assertThat(policy.permits(ipv6OrV4(address))).as(address).isTrue();
        }
        for (String address : List.of("10.0.0.1", "192.168.0.1", "0.0.0.0", "::", "169.254.1.1")) {
            assertThat(policy.permits(literal(address))).as(address).isFalse();
        }
    }

    @Test
    void explicitAllowWinsOverBuiltInDenials() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .allow(CidrRange.parse("10.0.0.5"))
                .allow(CidrRange.parse("127.0.0.1"))
                .allow(CidrRange.parse("fd00:1::/32"))
                .build();

        assertThat(policy.permits(literal("10.0.0.5"))).isTrue();
        assertThat(policy.permits(ipv6("::ffff:10.0.0.5"))).isTrue();
        assertThat(policy.permits(literal("10.0.0.6"))).isFalse();
        assertThat(policy.permits(literal("127.0.0.1"))).isTrue();
        assertThat(policy.permits(literal("127.0.0.2"))).isFalse();
        assertThat(policy.permits(literal("fd00:1::9"))).isTrue();
        assertThat(policy.permits(literal("fd00:2::9"))).isFalse();
    }

    @Test
    void explicitAllowWinsOverExplicitDeny() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .deny(CidrRange.parse("8.8.0.0/16"))
                .allow(CidrRange.parse("8.8.8.8"))
                .build();

        assertThat(policy.permits(literal("8.8.8.8"))).isTrue();
        assertThat(policy.permits(literal("8.8.4.4"))).isFalse();
        assertThat(policy.permits(literal("8.9.0.1"))).isTrue();
    }

    @Test
    void explicitDenyReachesEmbeddedForms() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().deny(CidrRange.parse("8.8.0.0/16")).build();

        for (String address : List.of("::ffff:8.8.4.4", "::8.8.4.4", "64:ff9b::808:404", "2002:808:404::",
                "2001:0:808:404::f7f7:fbfb")) {
            assertThat(policy.permits(ipv6(address))).as(address).isFalse();
        }
    }

    @Test
    void explicitIpv6DenyApplies() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().deny(CidrRange.parse("2606:4700::/32")).build();

        assertThat(policy.permits(literal("2606:4700:4700::1111"))).isFalse();
        assertThat(policy.permits(literal("2001:4860:4860::8888"))).isTrue();
    }

    @Test
    void allowingAnIpv6RangeDoesNotOpenTheIpv4InsideIt() {
        PeerAddressPolicy sixToFour = PeerAddressPolicy.builder().allow(CidrRange.parse("2002::/16")).build();
        PeerAddressPolicy alsoLoopback = PeerAddressPolicy.builder()
                .allow(CidrRange.parse("2002::/16"))
                .allow(CidrRange.parse("127.0.0.0/8"))
                .build();

        assertThat(sixToFour.permits(literal("2002:7f00:1::"))).isFalse();
        assertThat(alsoLoopback.permits(literal("2002:7f00:1::"))).isTrue();
    }

    @Test
    void everyEmbeddedAddressMustPass() {
        // The Teredo server 10.0.0.1 is allowed, the client 127.0.0.1 is not.
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allow(CidrRange.parse("10.0.0.0/8")).build();

        assertThat(policy.permits(literal("2001:0:a00:1::80ff:fffe"))).isFalse();
        assertThat(policy.permits(literal("2001:0:a00:1::f7f7:f7f7"))).isTrue();
    }

    @Test
    void relayOwnAddressesAreDeniedInEveryForm() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .relayAddresses(List.of(literal("1.2.3.4")))
                .relayAddresses(List.of(literal("2a01:4f8::1")))
                .build();

        for (String address : List.of("1.2.3.4", "::ffff:1.2.3.4", "64:ff9b::102:304", "2002:102:304::",
                "2a01:4f8::1")) {
            assertThat(policy.permits(ipv6OrV4(address))).as(address).isFalse();
        }
        assertThat(policy.permits(literal("1.2.3.5"))).isTrue();
        assertThat(policy.permits(literal("2a01:4f8::2"))).isTrue();
        assertThat(defaults.permits(literal("1.2.3.4"))).isTrue();
    }

    @Test
    void relayAddressGivenIpv4MappedIsDeniedAsIpv4() {
        PeerAddressPolicy policy =
                PeerAddressPolicy.builder().relayAddresses(List.of(ipv6("::ffff:1.2.3.4"))).build();

        assertThat(policy.permits(literal("1.2.3.4"))).isFalse();
        assertThat(policy.permits(literal("64:ff9b::102:304"))).isFalse();
    }

    @Test
    void aRelayOnLoopbackDoesNotVetoLoopbackPeersOnceTheyAreAllowed() {
        List<InetAddress> own = List.of(literal("127.0.0.1"), literal("::1"), literal("1.2.3.4"));
        PeerAddressPolicy loopbackAllowed = PeerAddressPolicy.builder().allowLoopback(true).relayAddresses(own).build();
        assertThat(loopbackAllowed.permits(literal("127.0.0.1"))).isTrue();
        assertThat(loopbackAllowed.permits(literal("::1"))).isTrue();
        assertThat(loopbackAllowed.permits(literal("1.2.3.4"))).as("a non-loopback own address").isFalse();

        PeerAddressPolicy loopbackDenied = PeerAddressPolicy.builder().relayAddresses(own).build();
        assertThat(loopbackDenied.permits(literal("127.0.0.1"))).isFalse();
    }

    @Test
    void relayOwnAddressMayBeExplicitlyAllowed() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .relayAddresses(List.of(literal("1.2.3.4")))
                .allow(CidrRange.parse("1.2.3.4/32"))
                .build();

        assertThat(policy.permits(literal("1.2.3.4"))).isTrue();
    }

    @Test
    void scopedLinkLocalIsStillLinkLocal() throws Exception {
        InetAddress scoped = java.net.Inet6Address.getByAddress(null, literal("fe80::1").getAddress(), 1);

        assertThat(defaults.permits(scoped)).isFalse();
    }

    @Test
    void builderStateAfterBuildDoesNotLeakIntoThePolicy() {
        PeerAddressPolicy.Builder builder = PeerAddressPolicy.builder();
        PeerAddressPolicy before = builder.build();
        builder.allowPrivate(true).deny(CidrRange.parse("8.8.8.8"));

        assertThat(before.permits(literal("10.0.0.1"))).isFalse();
        assertThat(before.permits(literal("8.8.8.8"))).isTrue();
    }

    @Test
    void toStringShowsTheConfiguration() {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allowPrivate(true).allow(CidrRange.parse("fd00::/8"))
                .build();

        assertThat(policy.toString()).contains("allowPrivate=true", "fd00::/8");
    }

    /** IPv6 text becomes an Inet6Address even when IPv4-mapped; IPv4 text stays IPv4. */
    private static InetAddress ipv6OrV4(String text) {
        return text.contains(":") ? ipv6(text) : literal(text);
    }
}
