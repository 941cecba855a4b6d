package io.turnrelay.api;

import static io.turnrelay.api.Addresses.literal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class CidrRangePropertiesTest {
    private static final Gen<byte[]> IPV6 =
            Generate.byteArrays(Generate.constant(16), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    private static final Gen<byte[]> IPV4 =
            Generate.byteArrays(Generate.constant(4), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    /** Addresses with long zero runs, which exercise '::' compression. */
    private static final Gen<byte[]> SPARSE_IPV6 = Generate.byteArrays(Generate.constant(16),
            Generate.pick(java.util.List.of((byte) 0, (byte) 0, (byte) 0, (byte) 1, (byte) 0xff)));

    @Test
    void printedIpv6TextParsesBackAndAgreesWithTheJdk() {
        qt().withExamples(3_000).forAll(IPV6.mix(SPARSE_IPV6, 50)).checkAssert(address -> {
            String text = IpLiteral.format(address);
            assertThat(IpLiteral.parse(text)).as(text).isEqualTo(address);
            // The JDK's own uncompressed text parses to the same bytes too.
            assertThat(IpLiteral.parse(Addresses.ipv6(address).getHostAddress())).isEqualTo(address);
            // And the JDK reads our text as the same address (IPv4-mapped ones come back as IPv4).
            byte[] jdk = literal(text).getAddress();
            byte[] expected = jdk.length == 4 ? java.util.Arrays.copyOfRange(address, 12, 16) : address;
            assertThat(jdk).as(text).isEqualTo(expected);
        });
    }

    @Test
    void printedIpv4TextParsesBack() {
        qt().withExamples(1_000).forAll(IPV4).checkAssert(address -> {
            String text = IpLiteral.format(address);
            assertThat(IpLiteral.parse(text)).as(text).isEqualTo(address);
            assertThat(text).isEqualTo(literal(text).getHostAddress());
        });
    }

    @Test
    void containsMeansTheLeadingPrefixBitsAgree() {
        qt().withExamples(3_000)
                .forAll(IPV6.mix(IPV4, 50), integers().between(0, 128), integers().all())
                .checkAssert((network, rawPrefix, flips) -> {
                    int bits = network.length * 8;
                    int prefix = rawPrefix % (bits + 1);
                    CidrRange range = CidrRange.parse(IpLiteral.format(network) + "/" + prefix);
                    byte[] candidate = network.clone();
                    // Flip one bit chosen by 'flips', anywhere in the address.
                    int bit = Math.floorMod(flips, bits);
                    candidate[bit / 8] ^= (byte) (0x80 >>> (bit % 8));

                    assertThat(range.contains(address(network))).isTrue();
                    assertThat(range.contains(address(candidate))).isEqualTo(bit >= prefix);
                    assertThat(range.contains(address(candidate)))
                            .isEqualTo(samePrefix(network, candidate, prefix));
                });
    }

    /** Model: compare the top {@code prefix} bits as big integers. */
    private static boolean samePrefix(byte[] a, byte[] b, int prefix) {
        int shift = a.length * 8 - prefix;
        return new BigInteger(1, a).shiftRight(shift).equals(new BigInteger(1, b).shiftRight(shift));
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return bytes.length == 16 ? Addresses.ipv6(bytes) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
