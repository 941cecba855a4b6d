package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The RFC 5769 and RFC 8489 Appendix B.1 vectors (copied from /work/shared/reference/test-vectors.md).
 *
 * <p>Re-encoding: the RFC 5769 §2.1-2.3 vectors pad with 0x20 while our writer pads with 0x00, and the
 * padding is covered by MESSAGE-INTEGRITY and FINGERPRINT. So the expected bytes for a re-encode are the
 * vector with its padding zeroed and its MESSAGE-INTEGRITY and FINGERPRINT recomputed by this test with
 * javax.crypto and CRC32 directly (not through the codec), and the writer must produce exactly those
 * bytes. The §2.4 vector already pads with zeros, so there the writer must reproduce it unchanged.
 */
class RfcVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] SHORT_TERM_PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.UTF_8);
    private static final String MATRIX_USER = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    private static final TransactionId RFC5769_TRANSACTION = TransactionId.of(HEX.parseHex("b7e7a701bc34d686fa87dfae"));
    private static final TransactionId LONG_TERM_TRANSACTION = TransactionId.of(HEX.parseHex("78ad3433c6ad72c029da412e"));

    static final byte[] SAMPLE_REQUEST = HEX.parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff"
            + "80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249"
            + "c1b571a280280004e57a3bcf");
    static final byte[] SAMPLE_IPV4_RESPONSE = HEX.parseHex(
            "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643"
            + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96");
    static final byte[] SAMPLE_IPV6_RESPONSE = HEX.parseHex(
            "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9fa"
            + "a5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c");
    static final byte[] SAMPLE_LONG_TERM_REQUEST = HEX.parseHex(
            "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b900000015001c"
            + "662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c652e6f72670000080014"
            + "f67024656dd64a3e02b8e0712e85c9a28ca89666");
    static final byte[] RFC8489_B1_AS_PRINTED = HEX.parseHex(
            "0001009c2112a44278ad3433c6ad72c029da412e001e00204a3cf38fef6992bda952c6780417da0f24819415569e60b2"
            + "05c46e41407f1704001500296f624d61744a6f733241414143662f2f3439396b39353464364f4c33346f4c3946535476"
            + "79363473410000000014000b6578616d706c652e6f726700001c0020e4686c8f0edeb59013e07090010a93efccbccc54"
            + "4c0a45d9f830aa6d6f735a01");

    // ---- RFC 5769 §2.1 ----

    @Test
    void sampleRequestDecodes() throws Exception {
        StunMessage message = StunMessage.parse(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length);

        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.transactionId()).isEqualTo(RFC5769_TRANSACTION);
        assertThat(message.length()).isEqualTo(108);
        assertThat(message.software()).isEqualTo("STUN test client");
        assertThat(message.username()).isEqualTo("evtj:h6vY");
        assertThat(message.attributeCount()).isEqualTo(6);
        assertThat(typesOf(message)).containsExactly(0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028);
        // PRIORITY and ICE-CONTROLLED are ICE attributes this codec keeps raw.
        assertThat(valueOf(message, 1)).isEqualTo(HEX.parseHex("6e0001ff"));
        assertThat(valueOf(message, 2)).isEqualTo(HEX.parseHex("932ff9b151263b36"));
        assertThat(message.unknownComprehensionRequiredAttributes()).containsExactly(0x0024);
        assertThat(message.verifyMessageIntegrity(SHORT_TERM_PASSWORD)).isTrue();
        assertThat(message.verifyMessageIntegrity("wrong".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(message.verifyFingerprint()).isTrue();
        assertThat(message.hasMessageIntegritySha256()).isFalse();
    }

    @Test
    void sampleRequestReencodes() {
        ByteBuffer out = ByteBuffer.allocate(200);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, RFC5769_TRANSACTION)
                .software("STUN test client")
                .rawAttribute(0x0024, HEX.parseHex("6e0001ff"))
                .rawAttribute(0x8029, HEX.parseHex("932ff9b151263b36"))
                .username("evtj:h6vY")
                .messageIntegrity(SHORT_TERM_PASSWORD)
                .finishWithFingerprint();

        assertThat(written(out, length)).isEqualTo(withZeroPaddingResigned(SAMPLE_REQUEST, SHORT_TERM_PASSWORD));
        assertWriterOutputVerifies(out, length, SHORT_TERM_PASSWORD);
    }

    // ---- RFC 5769 §2.2 and §2.3 ----

    @Test
    void sampleIpv4ResponseDecodesAndReencodes() throws Exception {
        StunMessage message = StunMessage.parse(ByteBuffer.wrap(SAMPLE_IPV4_RESPONSE));
        InetSocketAddress expected = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853);

        assertThat(message.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.transactionId()).isEqualTo(RFC5769_TRANSACTION);
        assertThat(message.software()).isEqualTo("test vector");
        assertThat(message.xorMappedAddress()).isEqualTo(expected);
        assertThat(message.unknownComprehensionRequiredAttributes()).isEmpty();
        assertThat(message.verifyMessageIntegrity(SHORT_TERM_PASSWORD)).isTrue();
        assertThat(message.verifyFingerprint()).isTrue();

        ByteBuffer out = ByteBuffer.allocate(200);
        int length = StunMessageWriter.start(out, StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, RFC5769_TRANSACTION)
                .software("test vector")
                .xorMappedAddress(expected)
                .messageIntegrity(SHORT_TERM_PASSWORD)
                .finishWithFingerprint();
        assertThat(written(out, length)).isEqualTo(withZeroPaddingResigned(SAMPLE_IPV4_RESPONSE, SHORT_TERM_PASSWORD));
        assertWriterOutputVerifies(out, length, SHORT_TERM_PASSWORD);
    }

    @Test
    void sampleIpv6ResponseDecodesAndReencodes() throws Exception {
        ByteBuffer direct = ByteBuffer.allocateDirect(SAMPLE_IPV6_RESPONSE.length);
        direct.put(SAMPLE_IPV6_RESPONSE).flip();
        StunMessage message = StunMessage.parse(direct);
        InetSocketAddress expected = new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853);

        assertThat(message.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(message.software()).isEqualTo("test vector");
        assertThat(message.xorMappedAddress()).isEqualTo(expected);
        assertThat(message.verifyMessageIntegrity(SHORT_TERM_PASSWORD)).isTrue();
        assertThat(message.verifyFingerprint()).isTrue();
        assertThat(direct.position()).isZero();
        assertThat(direct.limit()).isEqualTo(SAMPLE_IPV6_RESPONSE.length);

        ByteBuffer out = ByteBuffer.allocate(200);
        int length = StunMessageWriter.start(out, StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, RFC5769_TRANSACTION)
                .software("test vector")
                .xorMappedAddress(expected)
                .messageIntegrity(SHORT_TERM_PASSWORD)
                .finishWithFingerprint();
        assertThat(written(out, length)).isEqualTo(withZeroPaddingResigned(SAMPLE_IPV6_RESPONSE, SHORT_TERM_PASSWORD));
        assertWriterOutputVerifies(out, length, SHORT_TERM_PASSWORD);
    }

    // ---- RFC 5769 §2.4 ----

    @Test
    void longTermKeyIsTheMd5OfUserRealmPassword() throws Exception {
        assertThat(HEX.formatHex(longTermKey())).isEqualTo("e8ca7ad59d5eb0518e312911d2dab2a9");
    }

    @Test
    void sampleLongTermRequestDecodesAndReencodesExactly() throws Exception {
        StunMessage message = StunMessage.parse(SAMPLE_LONG_TERM_REQUEST, 0, SAMPLE_LONG_TERM_REQUEST.length);

        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.transactionId()).isEqualTo(LONG_TERM_TRANSACTION);
        assertThat(message.username()).isEqualTo(MATRIX_USER);
        assertThat(message.nonce()).isEqualTo("f//499k954d6OL34oL9FSTvy64sA");
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.hasFingerprint()).isFalse();
        assertThat(message.verifyFingerprint()).isFalse();
        assertThat(message.verifyMessageIntegrity(longTermKey())).isTrue();
        assertThat(message.verifyMessageIntegrity(SHORT_TERM_PASSWORD)).isFalse();

        // This vector pads with zero bytes, so the writer must reproduce it exactly.
        ByteBuffer out = ByteBuffer.allocate(200);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, LONG_TERM_TRANSACTION)
                .username(MATRIX_USER)
                .nonce("f//499k954d6OL34oL9FSTvy64sA")
                .realm("example.org")
                .messageIntegrity(longTermKey())
                .finish();
        assertThat(written(out, length)).isEqualTo(SAMPLE_LONG_TERM_REQUEST);
    }

    // ---- RFC 8489 Appendix B.1 ----

    @Test
    void b1PrintedIntegrityIsTheHmacSha256WithTheDeclaredLengthLeftAt0x9c() throws Exception {
        int integrityAttribute = 20 + 36 + 48 + 16;
        assertThat(RFC8489_B1_AS_PRINTED[2] & 0xFF).isZero();
        assertThat(RFC8489_B1_AS_PRINTED[3] & 0xFF).isEqualTo(0x9c);
        assertThat(readShort(RFC8489_B1_AS_PRINTED, integrityAttribute)).isEqualTo(AttributeType.MESSAGE_INTEGRITY_SHA256);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(sha256(MATRIX_USER + ":example.org:TheMatrIX"), "HmacSHA256"));
        mac.update(RFC8489_B1_AS_PRINTED, 0, integrityAttribute);

        assertThat(mac.doFinal())
                .isEqualTo(Arrays.copyOfRange(RFC8489_B1_AS_PRINTED, integrityAttribute + 4, integrityAttribute + 36));
    }

    @Test
    void b1AsPrintedIsRejectedByTheStrictParser() {
        assertThatThrownBy(() -> StunMessage.parse(RFC8489_B1_AS_PRINTED, 0, RFC8489_B1_AS_PRINTED.length))
                .isInstanceOfSatisfying(StunDecodeException.class,
                        e -> assertThat(e.reason()).isEqualTo(StunDecodeException.Reason.BAD_LENGTH));
    }

    @Test
    void b1UserhashIsTheSha256OfUserAndRealm() throws Exception {
        byte[] expected = sha256(MATRIX_USER + ":example.org");
        assertThat(HEX.formatHex(expected)).isEqualTo("4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");

        // With the length field corrected to the real 0x88 the message parses; its printed MAC then no
        // longer verifies, because it was computed over the erroneous 0x9c.
        byte[] corrected = RFC8489_B1_AS_PRINTED.clone();
        corrected[3] = (byte) 0x88;
        StunMessage message = StunMessage.parse(corrected, 0, corrected.length);
        assertThat(message.userhash()).isEqualTo(expected);
        assertThat(message.nonce()).isEqualTo("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.hasMessageIntegritySha256()).isTrue();
        assertThat(message.verifyMessageIntegritySha256(sha256(MATRIX_USER + ":example.org:TheMatrIX"))).isFalse();
    }

    @Test
    void ownSha256LongTermRequestRoundTrips() throws Exception {
        byte[] key = sha256(MATRIX_USER + ":example.org:TheMatrIX");
        byte[] userhash = sha256(MATRIX_USER + ":example.org");
        ByteBuffer out = ByteBuffer.allocate(300);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, LONG_TERM_TRANSACTION)
                .userhash(userhash)
                .nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA")
                .realm("example.org")
                .messageIntegritySha256(key)
                .finish();

        byte[] bytes = written(out, length);
        // The printed B.1 attributes with the length the RFC should have printed: our writer and the
        // RFC agree on every byte before the MAC, and on the MAC of an independent HMAC computation.
        byte[] expectedPrefix = RFC8489_B1_AS_PRINTED.clone();
        expectedPrefix[3] = (byte) 0x88;
        assertThat(Arrays.copyOf(bytes, 124)).isEqualTo(Arrays.copyOf(expectedPrefix, 124));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(bytes, 0, 120);
        assertThat(Arrays.copyOfRange(bytes, 124, 156)).isEqualTo(mac.doFinal());

        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.userhash()).isEqualTo(userhash);
        assertThat(message.nonce()).isEqualTo("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.verifyMessageIntegritySha256(key)).isTrue();
        assertThat(message.verifyMessageIntegritySha256(longTermKey())).isFalse();
        assertThat(message.verifyMessageIntegrity(key)).isFalse();
    }

    // ---- helpers ----

    private static byte[] longTermKey() throws Exception {
        return MessageDigest.getInstance("MD5").digest((MATRIX_USER + ":example.org:TheMatrIX").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(String text) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] written(ByteBuffer out, int length) {
        assertThat(out.position()).isEqualTo(length);
        return Arrays.copyOf(out.array(), length);
    }

    private static void assertWriterOutputVerifies(ByteBuffer out, int length, byte[] key) {
        try {
            StunMessage message = StunMessage.parse(written(out, length), 0, length);
            assertThat(message.verifyMessageIntegrity(key)).isTrue();
            assertThat(message.verifyFingerprint()).isTrue();
        } catch (StunDecodeException e) {
            throw new AssertionError(e);
        }
    }

    private static int[] typesOf(StunMessage message) {
        int[] types = new int[message.attributeCount()];
        for (int i = 0; i < types.length; i++) {
            types[i] = message.attributeType(i);
        }
        return types;
    }

    private static byte[] valueOf(StunMessage message, int index) {
        byte[] value = new byte[message.attributeValueLength(index)];
        message.buffer().get(message.attributeValueOffset(index), value);
        return value;
    }

    private static int readShort(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF);
    }

    /**
     * The vector as a zero-padding encoder would produce it: padding zeroed, then MESSAGE-INTEGRITY
     * (HMAC-SHA1 with the length field through the attribute) and FINGERPRINT recomputed from scratch.
     */
    private static byte[] withZeroPaddingResigned(byte[] vector, byte[] key) {
        byte[] bytes = vector.clone();
        try {
            int offset = 20;
            while (offset < bytes.length) {
                int type = readShort(bytes, offset);
                int length = readShort(bytes, offset + 2);
                int valueEnd = offset + 4 + length;
                int next = offset + 4 + ((length + 3) & ~3);
                Arrays.fill(bytes, valueEnd, next, (byte) 0);
                if (type == AttributeType.MESSAGE_INTEGRITY) {
                    byte[] covered = Arrays.copyOf(bytes, offset);
                    int declared = valueEnd - 20;
                    covered[2] = (byte) (declared >>> 8);
                    covered[3] = (byte) declared;
                    Mac mac = Mac.getInstance("HmacSHA1");
                    mac.init(new SecretKeySpec(key, "HmacSHA1"));
                    System.arraycopy(mac.doFinal(covered), 0, bytes, offset + 4, 20);
                } else if (type == AttributeType.FINGERPRINT) {
                    CRC32 crc = new CRC32();
                    crc.update(bytes, 0, offset);
                    ByteBuffer.wrap(bytes).putInt(offset + 4, (int) crc.getValue() ^ 0x5354554E);
                }
                offset = next;
            }
            return bytes;
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
