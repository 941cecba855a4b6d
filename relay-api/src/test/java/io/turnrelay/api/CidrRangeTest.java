package io.turnrelay.api;

import static io.turnrelay.api.Addresses.ipv6;
import static io.turnrelay.api.Addresses.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrRangeTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0/8",
        "10.1.2.3/8, 10.0.0.0/8",
        "192.168.1.77, 192.168.1.77/32",
        "0.0.0.0/0, 0.0.0.0/0",
        "255.255.255.255/32, 255.255.255.255/32",
        "172.31.255.255/12, 172.16.0.0/12",
        "fe80::1/10, fe80::/10",
        "FE80::/10, fe80::/10",
        "::1, ::1/128",
        "::, ::/128",
        "::/0, ::/0",
        "2001:db8::/32, 2001:db8::/32",
        "2001:0db8:0000:0000:0000:0000:0000:0001/128, 2001:db8::1/128",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1/128",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3/128",
        "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0/128",
        "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8/128",
        "::ffff:10.0.0.1/120, ::ffff:10.0.0.0/120",
        "::127.0.0.1, ::7f00:1/128",
        "64:ff9b::192.0.2.33, 64:ff9b::c000:221/128",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1, 8000::/1",
        "2002:7f00:1::/48, 2002:7f00:1::/48",
    })
    void parsesMasksAndPrintsCanonically(String text, String canonical) {
        assertThat(CidrRange.parse(text)).hasToString(canonical);
        assertThat(CidrRange.parse(text)).isEqualTo(CidrRange.parse(canonical));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
        "10.0.0/8", "10.0.0.0.0", "256.0.0.0", "10.0.0.01", "010.0.0.0", "1.2.3.-4", "10.0.0.0 /8", " 10.0.0.0",
        "::/129", "::/1000", "fe80::1%eth0", "[::1]", "[::1]/128", ":::", "1:::2", "::1::", "1::2::3", ":1::",
        "1::2:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::",
        "g::", "::ffff:1.2.3", "::1.2.3.4:5", "1.2.3.4::", "::ffff:256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4",
        "localhost", "example.org", "example.org/8", "0x0a.0.0.0", "10", "١٠.0.0.0", "１::"})
    void refusesAnythingButNumericLiteralsAndNamesTheInput(String text) {
        assertThatThrownBy(() -> CidrRange.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void containsAddressesOfItsFamilyUnderThePrefix() {
        CidrRange tenSlash8 = CidrRange.parse("10.0.0.0/8");

        assertThat(tenSlash8.contains(literal("10.0.0.0"))).isTrue();
        assertThat(tenSlash8.contains(literal("10.255.255.255"))).isTrue();
        assertThat(tenSlash8.contains(literal("11.0.0.0"))).isFalse();
        assertThat(tenSlash8.contains(literal("9.255.255.255"))).isFalse();
    }

    @Test
    void prefixBoundariesAreExact() {
        CidrRange cgnat = CidrRange.parse("100.64.0.0/10");
        CidrRange linkLocal6 = CidrRange.parse("fe80::/10");
        CidrRange sixtyFive = CidrRange.parse("2001:db8:0:0:8000::/65");

        assertThat(cgnat.contains(literal("100.127.255.255"))).isTrue();
        assertThat(cgnat.contains(literal("100.128.0.0"))).isFalse();
        assertThat(cgnat.contains(literal("100.63.255.255"))).isFalse();
        assertThat(linkLocal6.contains(literal("febf:ffff::"))).isTrue();
        assertThat(linkLocal6.contains(literal("fec0::"))).isFalse();
        assertThat(sixtyFive.contains(literal("2001:db8::ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(sixtyFive.contains(literal("2001:db8::7fff:ffff:ffff:ffff"))).isFalse();
    }

    @Test
    void singleHostsAndEverything() {
        assertThat(CidrRange.parse("192.0.2.1").contains(literal("192.0.2.1"))).isTrue();
        assertThat(CidrRange.parse("192.0.2.1").contains(literal("192.0.2.2"))).isFalse();
        assertThat(CidrRange.parse("2001:db8::1").contains(literal("2001:db8::1"))).isTrue();
        assertThat(CidrRange.parse("2001:db8::1").contains(literal("2001:db8::2"))).isFalse();
        assertThat(CidrRange.parse("2001:db8::1").contains(literal("2001:db8::1:0:0:1"))).isFalse();
        assertThat(CidrRange.parse("0.0.0.0/0").contains(literal("203.0.113.9"))).isTrue();
        assertThat(CidrRange.parse("::/0").contains(literal("2001:db8::9"))).isTrue();
    }

    @Test
    void familiesNeverMix() {
        assertThat(CidrRange.parse("0.0.0.0/0").contains(literal("::1"))).isFalse();
        assertThat(CidrRange.parse("0.0.0.0/0").contains(ipv6("::ffff:10.0.0.1"))).isFalse();
        assertThat(CidrRange.parse("::/0").contains(literal("10.0.0.1"))).isFalse();
        assertThat(CidrRange.parse("::ffff:0:0/96").contains(ipv6("::ffff:10.0.0.1"))).isTrue();
    }

    @Test
    void equalityIgnoresMaskedHostBits() {
        assertThat(CidrRange.parse("10.9.8.7/8")).isEqualTo(CidrRange.parse("10.0.0.0/8"))
                .hasSameHashCodeAs(CidrRange.parse("10.0.0.0/8"));
        assertThat(CidrRange.parse("10.0.0.0/8")).isNotEqualTo(CidrRange.parse("10.0.0.0/9"));
        assertThat(CidrRange.parse("0.0.0.0/0")).isNotEqualTo(CidrRange.parse("::/0"));
    }
}
