package io.turnrelay.api;

import static io.turnrelay.api.Addresses.ipv4;
import static io.turnrelay.api.Addresses.ipv6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class PeerAddressPolicyPropertiesTest {
    /** First octets where the built-in ranges live, so that random addresses hit them often. */
    private static final Gen<Integer> INTERESTING_FIRST_OCTET = Generate.pick(
            List.of(0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 239, 240, 255));

    /** Random IPv4 addresses, half of them near the special ranges. */
    private static final Gen<Integer> IPV4 = integers().all().mix(
            INTERESTING_FIRST_OCTET.zip(integers().all(), (first, rest) -> (first << 24) | (rest & 0xFF_FFFF)), 50);

    private static final Gen<byte[]> SIXTEEN_BYTES =
            Generate.byteArrays(Generate.constant(16), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));

    private static final List<PeerAddressPolicy> POLICIES = List.of(
            PeerAddressPolicy.defaults(),
            PeerAddressPolicy.builder().allowPrivate(true).build(),
            PeerAddressPolicy.builder().allowLoopback(true).build(),
            PeerAddressPolicy.builder()
                    .allow(CidrRange.parse("10.20.0.0/16"))
                    .allow(CidrRange.parse("127.0.0.53"))
                    .deny(CidrRange.parse("8.0.0.0/7"))
                    .relayAddresses(List.of(Addresses.literal("203.0.114.1"), Addresses.literal("2a01:4f8::1")))
                    .build());

    @Test
    void embeddingsOfAnIpv4AddressGetItsVerdict() {
        qt().withExamples(2_000).forAll(IPV4).checkAssert(address -> {
            for (PeerAddressPolicy policy : POLICIES) {
                boolean verdict = policy.permits(ipv4(address));
                assertThat(policy.permits(ipv6(embed(0, 0x0000_FFFFL, address)))).as("mapped").isEqualTo(verdict);
                assertThat(policy.permits(ipv6(embed(0x0064_ff9b_0000_0000L, 0, address)))).as("NAT64")
                        .isEqualTo(verdict);
                long sixToFourHigh = 0x2002_0000_0000_0000L | ((address & 0xFFFF_FFFFL) << 16) | 0x1234;
                assertThat(policy.permits(ipv6(bytes(sixToFourHigh, 0xabcdL)))).as("6to4").isEqualTo(verdict);
                assertThat(policy.permits(ipv6(embed(0, 0xFFFF_0000L, address)))).as("translated")
                        .isEqualTo(verdict);
                // Teredo with a public server (1.1.1.1): the inverted client decides.
                long teredoHigh = 0x2001_0000_0101_0101L;
                assertThat(policy.permits(ipv6(bytes(teredoHigh, 0x8000_f227_0000_0000L | (~address & 0xFFFF_FFFFL)))))
                        .as("Teredo client").isEqualTo(verdict);
                if ((address & 0xFFFF_FFFEL) != 0) { // 0.0.0.0 and 0.0.0.1 would spell :: and ::1
                    assertThat(policy.permits(ipv6(embed(0, 0, address)))).as("compatible").isEqualTo(verdict);
                }
            }
        });
    }

    @Test
    void anySixteenBytesAreJudgedWithoutThrowing() {
        qt().withExamples(5_000).forAll(SIXTEEN_BYTES).checkAssert(address -> {
            for (PeerAddressPolicy policy : POLICIES) {
                assertThatCode(() -> policy.permits(ipv6(address))).doesNotThrowAnyException();
                assertThatCode(() -> policy.permits(InetAddress.getByAddress(address))).doesNotThrowAnyException();
            }
        });
    }

    @Test
    void anySixteenBytesWithAnEmbeddingPrefixAreJudgedWithoutThrowing() {
        // Random bytes rarely start with 2001:0, 2002, 64:ff9b or ::; force those prefixes.
        Gen<Integer> prefix = Generate.pick(List.of(0x2001_0000, 0x2002_0000, 0x0064_ff9b, 0, 0x0064_ff9b));
        qt().withExamples(2_000).forAll(prefix, SIXTEEN_BYTES).checkAssert((top, address) -> {
            address[0] = (byte) (top >>> 24);
            address[1] = (byte) (top >>> 16);
            address[2] = (byte) (top >>> 8);
            address[3] = (byte) (int) top;
            for (PeerAddressPolicy policy : POLICIES) {
                assertThatCode(() -> policy.permits(ipv6(address))).doesNotThrowAnyException();
            }
        });
    }

    @Test
    void denyingEverythingDeniesEverything() {
        PeerAddressPolicy nothing = PeerAddressPolicy.builder()
                .deny(CidrRange.parse("0.0.0.0/0")).deny(CidrRange.parse("::/0")).build();

        qt().withExamples(1_000).forAll(SIXTEEN_BYTES).check(address -> !nothing.permits(ipv6(address)));
        qt().withExamples(1_000).forAll(IPV4).check(address -> !nothing.permits(ipv4(address)));
    }

    /** The 16 bytes with upper 64 bits {@code high}, then {@code upper32OfLow}, then the IPv4 address. */
    private static byte[] embed(long high, long upper32OfLow, int ipv4) {
        return bytes(high, (upper32OfLow << 32) | (ipv4 & 0xFFFF_FFFFL));
    }

    private static byte[] bytes(long high, long low) {
        byte[] address = new byte[16];
        for (int i = 0; i < 8; i++) {
            address[i] = (byte) (high >>> (56 - 8 * i));
            address[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return address;
    }
}
