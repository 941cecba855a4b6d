package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.StunDecodeException.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StunMessageTest {
    private static final byte[] KEY = "secret".getBytes(StandardCharsets.UTF_8);
    private static final TransactionId TRANSACTION = TransactionId.of(RawMessageBuilder.TRANSACTION);

    // ---- Header ----

    @Test
    void methodAndClassBitsAreSplitOutOfTheMessageType() throws Exception {
        // 0x0113 = Allocate error response; 0x0017 = Data indication; 0x0FEF+0x0110 = method 0xFFF
        assertHeader(0x0113, StunClass.ERROR_RESPONSE, StunMethod.ALLOCATE);
        assertHeader(0x0017, StunClass.INDICATION, StunMethod.DATA);
        assertHeader(0x0109, StunClass.SUCCESS_RESPONSE, StunMethod.CHANNEL_BIND);
        assertHeader(0x3EEF, StunClass.REQUEST, 0xFFF);
        assertHeader(0x3FFF, StunClass.ERROR_RESPONSE, 0xFFF);
    }

    private static void assertHeader(int type, StunClass expectedClass, int expectedMethod) throws Exception {
        byte[] bytes = RawMessageBuilder.request().messageType(type).build();
        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.messageClass()).isEqualTo(expectedClass);
        assertThat(message.method()).isEqualTo(expectedMethod);
        assertThat(message.transactionId()).isEqualTo(TRANSACTION);
        assertThat(message.length()).isEqualTo(20);
        assertThat(message.attributeCount()).isZero();
    }

    @Test
    void parseReadsInPlaceAndLeavesPositionAndLimitAlone() throws Exception {
        byte[] body = RawMessageBuilder.request().attribute(AttributeType.USERNAME, utf8("alice")).build();
        ByteBuffer buffer = ByteBuffer.allocate(100);
        buffer.position(7).put(body).flip().position(7);

        StunMessage message = StunMessage.parse(buffer);

        assertThat(buffer.position()).isEqualTo(7);
        assertThat(buffer.limit()).isEqualTo(7 + body.length);
        assertThat(message.buffer()).isSameAs(buffer);
        assertThat(message.username()).isEqualTo("alice");
        assertThat(message.attributeValueOffset(0)).isEqualTo(7 + 24);
        assertThat(message.attributeValueLength(0)).isEqualTo(5);
    }

    @Test
    void arrayOverloadUsesArrayIndexesWithoutCopying() throws Exception {
        byte[] body = RawMessageBuilder.request().attribute(AttributeType.DATA, new byte[] {9, 8, 7}).build();
        byte[] array = new byte[body.length + 13];
        System.arraycopy(body, 0, array, 5, body.length);

        StunMessage message = StunMessage.parse(array, 5, body.length);

        assertThat(message.dataOffset()).isEqualTo(5 + 24);
        assertThat(message.dataLength()).isEqualTo(3);
        array[5 + 24] = 42; // a view, not a copy
        assertThat(message.buffer().get(message.dataOffset())).isEqualTo((byte) 42);
    }

    @Test
    void absentAttributesGiveEmptyResults() throws Exception {
        byte[] bytes = RawMessageBuilder.request().build();
        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.mappedAddress()).isNull();
        assertThat(message.xorMappedAddress()).isNull();
        assertThat(message.xorPeerAddresses()).isEmpty();
        assertThat(message.xorRelayedAddresses()).isEmpty();
        assertThat(message.alternateServer()).isNull();
        assertThat(message.username()).isNull();
        assertThat(message.userhash()).isNull();
        assertThat(message.realm()).isNull();
        assertThat(message.nonce()).isNull();
        assertThat(message.software()).isNull();
        assertThat(message.alternateDomain()).isNull();
        assertThat(message.errorCode()).isNull();
        assertThat(message.unknownAttributes()).isEmpty();
        assertThat(message.passwordAlgorithms()).isEmpty();
        assertThat(message.passwordAlgorithm()).isNull();
        assertThat(message.lifetime()).isEmpty();
        assertThat(message.channelNumber()).isEmpty();
        assertThat(message.requestedTransport()).isEmpty();
        assertThat(message.requestedAddressFamily()).isNull();
        assertThat(message.requestedAddressFamilyCode()).isEmpty();
        assertThat(message.additionalAddressFamily()).isNull();
        assertThat(message.additionalAddressFamilyCode()).isEmpty();
        assertThat(message.hasEvenPort()).isFalse();
        assertThat(message.evenPortReserveNext()).isFalse();
        assertThat(message.reservationToken()).isEmpty();
        assertThat(message.dontFragment()).isFalse();
        assertThat(message.hasData()).isFalse();
        assertThat(message.dataOffset()).isEqualTo(-1);
        assertThat(message.dataLength()).isEqualTo(-1);
        assertThat(message.addressErrorCode()).isNull();
        assertThat(message.icmp()).isNull();
        assertThat(message.hasMessageIntegrity()).isFalse();
        assertThat(message.hasMessageIntegritySha256()).isFalse();
        assertThat(message.hasFingerprint()).isFalse();
        assertThat(message.verifyMessageIntegrity(KEY)).isFalse();
        assertThat(message.verifyMessageIntegritySha256(KEY)).isFalse();
        assertThat(message.verifyFingerprint()).isFalse();
        assertThat(message.unknownComprehensionRequiredAttributes()).isEmpty();
    }

    @Test
    void paddingContentIsIgnored() throws Exception {
        byte[] bytes = RawMessageBuilder.request()
                .attribute(AttributeType.USERNAME, 3, new byte[] {'b', 'o', 'b', (byte) 0xFF})
                .attribute(AttributeType.EVEN_PORT, 1, new byte[] {(byte) 0x80, 0x20, 0x20, 0x20})
                .build();
        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.username()).isEqualTo("bob");
        assertThat(message.evenPortReserveNext()).isTrue();
    }

    @Test
    void unknownFamilyCodesInAddressFamilyRequestsAreNotDecodeErrors() throws Exception {
        byte[] bytes = RawMessageBuilder.request()
                .attribute(AttributeType.REQUESTED_ADDRESS_FAMILY, new byte[] {0x03, 0, 0, 0})
                .attribute(AttributeType.ADDITIONAL_ADDRESS_FAMILY, new byte[] {0x02, 0, 0, 0})
                .build();
        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.requestedAddressFamily()).isNull();
        assertThat(message.requestedAddressFamilyCode()).hasValue(3);
        assertThat(message.additionalAddressFamily()).isEqualTo(AddressFamily.IPV6);
    }

    @Test
    void singleValuedAccessorsReturnTheFirstAndListAccessorsAll() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(300);
        InetSocketAddress first = new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 1000);
        InetSocketAddress second = new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 2000);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.CREATE_PERMISSION, TRANSACTION)
                .xorPeerAddress(first)
                .username("first")
                .xorPeerAddress(second)
                .username("second")
                .finish();
        StunMessage message = StunMessage.parse(out.array(), 0, length);
        assertThat(message.xorPeerAddresses()).containsExactly(first, second);
        assertThat(message.username()).isEqualTo("first");
    }

    // ---- Unknown attributes ----

    @Test
    void unknownComprehensionRequiredAttributesAreListedOnceInOrder() throws Exception {
        byte[] bytes = RawMessageBuilder.request()
                .attribute(0x7FFF, new byte[] {1})
                .attribute(0x8123, new byte[] {2})     // comprehension-optional: not listed
                .attribute(0x0024, new byte[4])
                .attribute(0x7FFF, new byte[0])
                .attribute(AttributeType.USERNAME, utf8("u"))
                .build();
        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
        assertThat(message.unknownComprehensionRequiredAttributes()).containsExactly(0x7FFF, 0x0024);
        assertThat(message.attributeCount()).isEqualTo(5);
        assertThat(message.attributeType(1)).isEqualTo(0x8123);
        assertThat(message.buffer().get(message.attributeValueOffset(1))).isEqualTo((byte) 2);
        assertThat(message.has(0x8123)).isTrue();
    }

    // ---- Attributes after integrity ----

    @Test
    void attributesAfterMessageIntegrityAreInvisibleExceptFingerprint() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(300);
        StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TRANSACTION)
                .username("alice")
                .messageIntegrity(KEY)
                .finish();
        byte[] signed = Arrays.copyOf(out.array(), out.position());
        // Append USERNAME, LIFETIME and an unknown comprehension-required type after MESSAGE-INTEGRITY by hand.
        byte[] tail = RawMessageBuilder.request()
                .attribute(AttributeType.USERNAME, utf8("mallory"))
                .attribute(AttributeType.LIFETIME, new byte[] {0, 0, 0, 9})
                .attribute(0x0077, new byte[] {1})
                .attribute(AttributeType.ERROR_CODE, new byte[] {0, 0, 9, 9}) // malformed but ignored
                .build();
        byte[] bytes = concat(signed, Arrays.copyOfRange(tail, 20, tail.length));
        setLength(bytes);
        bytes = appendFingerprint(bytes);

        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);

        assertThat(message.username()).isEqualTo("alice");
        assertThat(message.lifetime()).isEmpty();
        assertThat(message.errorCode()).isNull();
        assertThat(message.has(AttributeType.USERNAME)).isTrue();
        assertThat(message.unknownComprehensionRequiredAttributes()).isEmpty();
        assertThat(message.attributeCount()).isEqualTo(3);
        assertThat(message.attributeType(2)).isEqualTo(AttributeType.FINGERPRINT);
        assertThat(message.verifyMessageIntegrity(KEY)).isTrue();
        assertThat(message.verifyFingerprint()).isTrue();
    }

    @Test
    void attributesAfterSha256IntegrityAreInvisibleIncludingSha1Integrity() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(300);
        StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TRANSACTION)
                .realm("example.org")
                .messageIntegritySha256(KEY)
                .finish();
        byte[] signed = Arrays.copyOf(out.array(), out.position());
        byte[] tail = RawMessageBuilder.request()
                .attribute(AttributeType.MESSAGE_INTEGRITY, new byte[20])
                .attribute(AttributeType.NONCE, utf8("n"))
                .build();
        byte[] bytes = concat(signed, Arrays.copyOfRange(tail, 20, tail.length));
        setLength(bytes);

        StunMessage message = StunMessage.parse(bytes, 0, bytes.length);

        assertThat(message.hasMessageIntegrity()).isFalse();
        assertThat(message.nonce()).isNull();
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.verifyMessageIntegritySha256(KEY)).isTrue();
    }

    @Test
    void sha256IntegrityAfterSha1IntegrityCoversIt() throws Exception {
        byte[] sha256Key = "other".getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(300);
        int length = StunMessageWriter.start(out, StunClass.SUCCESS_RESPONSE, StunMethod.ALLOCATE, TRANSACTION)
                .lifetime(600)
                .messageIntegrity(KEY)
                .messageIntegritySha256(sha256Key)
                .finishWithFingerprint();
        byte[] bytes = Arrays.copyOf(out.array(), length);

        StunMessage message = StunMessage.parse(bytes, 0, length);
        assertThat(message.verifyMessageIntegrity(KEY)).isTrue();
        assertThat(message.verifyMessageIntegritySha256(sha256Key)).isTrue();
        assertThat(message.verifyMessageIntegritySha256(KEY)).isFalse();
        assertThat(message.verifyFingerprint()).isTrue();

        // Independent HMAC-SHA256: header with the length ending after MI-SHA256, then lifetime (8) and MI (24).
        int sha256Attribute = 20 + 8 + 24;
        byte[] covered = Arrays.copyOf(bytes, sha256Attribute);
        covered[3] = (byte) (sha256Attribute + 36 - 20);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(sha256Key, "HmacSHA256"));
        assertThat(Arrays.copyOfRange(bytes, sha256Attribute + 4, sha256Attribute + 36)).isEqualTo(mac.doFinal(covered));

        // Flipping a bit of the SHA-1 MAC breaks both checks, since the SHA-256 one covers it.
        bytes[20 + 8 + 4] ^= 1;
        StunMessage tampered = StunMessage.parse(bytes, 0, length);
        assertThat(tampered.verifyMessageIntegrity(KEY)).isFalse();
        assertThat(tampered.verifyMessageIntegritySha256(sha256Key)).isFalse();
    }

    @Test
    void truncatedSha256IntegrityVerifies() throws Exception {
        for (int truncatedLength = 16; truncatedLength <= 32; truncatedLength += 4) {
            byte[] unsigned = RawMessageBuilder.request().attribute(AttributeType.REALM, utf8("example.org")).build();
            int attributeOffset = unsigned.length;
            byte[] covered = unsigned.clone();
            covered[3] = (byte) (attributeOffset + 4 + truncatedLength - 20);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            byte[] value = Arrays.copyOf(mac.doFinal(covered), truncatedLength);
            byte[] bytes = RawMessageBuilder.request()
                    .attribute(AttributeType.REALM, utf8("example.org"))
                    .attribute(AttributeType.MESSAGE_INTEGRITY_SHA256, value)
                    .build();

            StunMessage message = StunMessage.parse(bytes, 0, bytes.length);
            assertThat(message.verifyMessageIntegritySha256(KEY)).as("length %d", truncatedLength).isTrue();
            assertThat(message.verifyMessageIntegritySha256(utf8("nope"))).isFalse();
        }
    }

    @Test
    void verificationNeverWritesIntoTheBuffer() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(300);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.REFRESH, TRANSACTION)
                .lifetime(0)
                .messageIntegrity(KEY)
                .messageIntegritySha256(KEY)
                .finishWithFingerprint();
        ByteBuffer readOnly = ByteBuffer.wrap(Arrays.copyOf(out.array(), length)).asReadOnlyBuffer();

        StunMessage message = StunMessage.parse(readOnly);

        assertThat(message.verifyMessageIntegrity(KEY)).isTrue();
        assertThat(message.verifyMessageIntegritySha256(KEY)).isTrue();
        assertThat(message.verifyFingerprint()).isTrue();
        assertThat(readOnly.position()).isZero();
        assertThat(readOnly.limit()).isEqualTo(length);
    }

    @Test
    void emptyKeyIsAValidHmacKey() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(100);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, TRANSACTION)
                .messageIntegrity(new byte[0])
                .finish();
        StunMessage message = StunMessage.parse(out.array(), 0, length);
        assertThat(message.verifyMessageIntegrity(new byte[0])).isTrue();
        assertThat(message.verifyMessageIntegrity(new byte[] {1})).isFalse();
    }

    @Test
    void corruptedFingerprintFailsVerification() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(100);
        int length = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.SEND, TRANSACTION)
                .software("x")
                .finishWithFingerprint();
        byte[] bytes = Arrays.copyOf(out.array(), length);
        bytes[length - 1] ^= 0x10;
        assertThat(StunMessage.parse(bytes, 0, length).verifyFingerprint()).isFalse();
    }

    // ---- Decode errors ----

    static Stream<Arguments> malformedMessages() {
        byte[] valid = RawMessageBuilder.request().attribute(AttributeType.LIFETIME, new byte[4]).build();
        byte[] rfc3489 = RawMessageBuilder.request().cookie(0x01020304).build();
        byte[] oddLength = RawMessageBuilder.request().raw(new byte[4]).declaredLength(2).build();
        byte[] trailingJunk = concat(valid, new byte[4]);
        byte[] firstBitsSet = valid.clone();
        firstBitsSet[0] = (byte) 0x80;
        return Stream.of(
                malformed("empty datagram", new byte[0], Reason.NOT_STUN),
                malformed("19 bytes", new byte[19], Reason.NOT_STUN),
                malformed("first bits not 00", firstBitsSet, Reason.NOT_STUN),
                malformed("ChannelData", new byte[] {0x40, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, Reason.NOT_STUN),
                malformed("RFC 3489 message", rfc3489, Reason.BAD_MAGIC_COOKIE),
                malformed("length not a multiple of 4", oddLength, Reason.BAD_LENGTH),
                malformed("datagram longer than declared", trailingJunk, Reason.BAD_LENGTH),
                malformed("declared longer than datagram", RawMessageBuilder.request().declaredLength(4).build(), Reason.BAD_LENGTH),
                malformed("value past the end", RawMessageBuilder.request().attribute(AttributeType.DATA, 9, new byte[4]).build(),
                        Reason.TRUNCATED_ATTRIBUTE),
                malformed("unknown value past the end", RawMessageBuilder.request().attribute(0x8999, 0xFFFF, new byte[0]).build(),
                        Reason.TRUNCATED_ATTRIBUTE),
                malformed("address family 3", attr(AttributeType.XOR_PEER_ADDRESS, 0, 3, 0, 1, 1, 2, 3, 4), Reason.BAD_ADDRESS_FAMILY),
                malformed("IPv4 family with IPv6 length", attr(AttributeType.MAPPED_ADDRESS, withFamily(1, 20)), Reason.BAD_ADDRESS_FAMILY),
                malformed("IPv6 family with IPv4 length", attr(AttributeType.XOR_RELAYED_ADDRESS, withFamily(2, 8)), Reason.BAD_ADDRESS_FAMILY),
                malformed("address of one byte", attr(AttributeType.ALTERNATE_SERVER, 0), Reason.BAD_ADDRESS_FAMILY),
                malformed("ADDRESS-ERROR-CODE family 0", attr(AttributeType.ADDRESS_ERROR_CODE, 0, 0, 4, 40), Reason.BAD_ADDRESS_FAMILY),
                malformed("USERNAME of 514 bytes", attr(AttributeType.USERNAME, filled(514)), Reason.OVERSIZED_VALUE),
                malformed("REALM of 764 bytes", attr(AttributeType.REALM, filled(764)), Reason.OVERSIZED_VALUE),
                malformed("NONCE of 764 bytes", attr(AttributeType.NONCE, filled(764)), Reason.OVERSIZED_VALUE),
                malformed("SOFTWARE of 764 bytes", attr(AttributeType.SOFTWARE, filled(764)), Reason.OVERSIZED_VALUE),
                malformed("ALTERNATE-DOMAIN of 256 bytes", attr(AttributeType.ALTERNATE_DOMAIN, filled(256)), Reason.OVERSIZED_VALUE),
                malformed("reason phrase of 764 bytes", attr(AttributeType.ERROR_CODE, concat(new byte[] {0, 0, 4, 0}, filled(764))),
                        Reason.OVERSIZED_VALUE),
                malformed("USERNAME not UTF-8", attr(AttributeType.USERNAME, 'a', 0xC3), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("REALM overlong UTF-8", attr(AttributeType.REALM, 0xC0, 0xAF), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("NONCE with UTF-16 surrogate", attr(AttributeType.NONCE, 0xED, 0xA0, 0x80), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("SOFTWARE above U+10FFFF", attr(AttributeType.SOFTWARE, 0xF4, 0x90, 0x80, 0x80), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("reason phrase not UTF-8", attr(AttributeType.ERROR_CODE, 0, 0, 4, 0, 0xFF), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ERROR-CODE of 3 bytes", attr(AttributeType.ERROR_CODE, 0, 0, 4), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ERROR-CODE class 2", attr(AttributeType.ERROR_CODE, 0, 0, 2, 0), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ERROR-CODE class 7", attr(AttributeType.ERROR_CODE, 0, 0, 7, 0), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ERROR-CODE number 100", attr(AttributeType.ERROR_CODE, 0, 0, 4, 100), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ADDRESS-ERROR-CODE class 8", attr(AttributeType.ADDRESS_ERROR_CODE, 1, 0, 0, 0), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("MESSAGE-INTEGRITY of 16 bytes", attr(AttributeType.MESSAGE_INTEGRITY, new byte[16]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("MESSAGE-INTEGRITY-SHA256 of 12 bytes", attr(AttributeType.MESSAGE_INTEGRITY_SHA256, new byte[12]),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("MESSAGE-INTEGRITY-SHA256 of 18 bytes", attr(AttributeType.MESSAGE_INTEGRITY_SHA256, new byte[18]),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("MESSAGE-INTEGRITY-SHA256 of 36 bytes", attr(AttributeType.MESSAGE_INTEGRITY_SHA256, new byte[36]),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("FINGERPRINT of 8 bytes", attr(AttributeType.FINGERPRINT, new byte[8]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("LIFETIME of 8 bytes", attr(AttributeType.LIFETIME, new byte[8]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("CHANNEL-NUMBER of 2 bytes", attr(AttributeType.CHANNEL_NUMBER, 0x40, 0), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("REQUESTED-TRANSPORT of 1 byte", attr(AttributeType.REQUESTED_TRANSPORT, 17), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("REQUESTED-ADDRESS-FAMILY of 0 bytes", attr(AttributeType.REQUESTED_ADDRESS_FAMILY), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ADDITIONAL-ADDRESS-FAMILY of 8 bytes", attr(AttributeType.ADDITIONAL_ADDRESS_FAMILY, new byte[8]),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("EVEN-PORT of 4 bytes", attr(AttributeType.EVEN_PORT, new byte[4]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("RESERVATION-TOKEN of 4 bytes", attr(AttributeType.RESERVATION_TOKEN, new byte[4]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("DONT-FRAGMENT of 4 bytes", attr(AttributeType.DONT_FRAGMENT, new byte[4]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("USERHASH of 31 bytes", attr(AttributeType.USERHASH, new byte[31]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("UNKNOWN-ATTRIBUTES of 3 bytes", attr(AttributeType.UNKNOWN_ATTRIBUTES, 0, 1, 0), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("ICMP of 4 bytes", attr(AttributeType.ICMP, new byte[4]), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("PASSWORD-ALGORITHMS entry parameters past the value",
                        attr(AttributeType.PASSWORD_ALGORITHMS, 0, 1, 0, 0, 0, 2, 0, 8, 1, 2), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("PASSWORD-ALGORITHMS truncated entry header", attr(AttributeType.PASSWORD_ALGORITHMS, 0, 1, 0, 0, 0, 2),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("PASSWORD-ALGORITHM with two entries", attr(AttributeType.PASSWORD_ALGORITHM, 0, 1, 0, 0, 0, 2, 0, 0),
                        Reason.BAD_ATTRIBUTE_VALUE),
                malformed("PASSWORD-ALGORITHM empty", attr(AttributeType.PASSWORD_ALGORITHM), Reason.BAD_ATTRIBUTE_VALUE),
                malformed("attribute after FINGERPRINT",
                        RawMessageBuilder.request().attribute(AttributeType.FINGERPRINT, new byte[4]).attribute(0x8022, utf8("x")).build(),
                        Reason.BAD_ATTRIBUTE_ORDER),
                malformed("two FINGERPRINTs", RawMessageBuilder.request()
                        .attribute(AttributeType.FINGERPRINT, new byte[4]).attribute(AttributeType.FINGERPRINT, new byte[4]).build(),
                        Reason.BAD_ATTRIBUTE_ORDER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedMessages")
    void malformedInputIsRejectedWithTheRightReason(String description, byte[] bytes, Reason expected) {
        StunDecodeException error = decodeError(() -> StunMessage.parse(bytes, 0, bytes.length));
        assertThat(error.reason()).as(description).isEqualTo(expected);
        assertThat(error.getMessage()).isNotBlank();

        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        StunDecodeException fromDirect = decodeError(() -> StunMessage.parse(direct));
        assertThat(fromDirect.reason()).isEqualTo(expected);
    }

    @Test
    void errorMessagesNameTheAttributeAndOffset() {
        byte[] bytes = RawMessageBuilder.request()
                .attribute(AttributeType.LIFETIME, new byte[4])
                .attribute(AttributeType.USERNAME, filled(514))
                .build();
        StunDecodeException error = decodeError(() -> StunMessage.parse(bytes, 0, bytes.length));
        assertThat(error.getMessage()).contains("USERNAME").contains("offset 28");
    }

    @Test
    void everyPrefixAndEveryTruncationOfAValidMessageFailsCleanly() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(300);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TRANSACTION)
                .requestedTransport(17)
                .username("alice")
                .xorPeerAddress(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 3478))
                .messageIntegrity(KEY)
                .finishWithFingerprint();
        byte[] bytes = Arrays.copyOf(out.array(), length);
        for (int prefix = 0; prefix < length; prefix++) {
            int cut = prefix;
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> StunMessage.parse(bytes, 0, cut));
            assertThat(thrown).as("prefix %d", cut).isInstanceOf(StunDecodeException.class);
        }
        // Keep the header length consistent with each cut so the attribute framing itself is exercised.
        for (int cut = 24; cut < length; cut += 4) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            truncated[2] = (byte) ((cut - 20) >>> 8);
            truncated[3] = (byte) (cut - 20);
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> StunMessage.parse(truncated, 0, truncated.length));
            if (thrown != null) {
                assertThat(thrown).as("cut %d", cut).isInstanceOf(StunDecodeException.class);
            }
        }
    }

    @Test
    void everySingleByteCorruptionEitherFailsCleanlyOrGivesWorkingAccessors() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(1000);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TRANSACTION)
                .xorPeerAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 7))
                .xorRelayedAddress(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 8))
                .mappedAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.8"), 9))
                .alternateServer(new InetSocketAddress(InetAddress.getByName("2001:db8::9"), 10))
                .username("\u00e9l\u00e8ve").realm("r").nonce("n").software("s").alternateDomain("d")
                .userhash(new byte[32])
                .errorCode(420, "Unknown").addressErrorCode(AddressFamily.IPV4, 440, "f")
                .unknownAttributes(List.of(1, 2, 3))
                .passwordAlgorithms(List.of(PasswordAlgorithmEntry.of(1), new PasswordAlgorithmEntry(9, new byte[] {1, 2, 3, 4, 5})))
                .passwordAlgorithm(PasswordAlgorithmEntry.of(2))
                .lifetime(60).channelNumber(0x4000).requestedTransport(17)
                .requestedAddressFamily(AddressFamily.IPV4).additionalAddressFamily(AddressFamily.IPV6)
                .evenPort(true).reservationToken(5).dontFragment().data(new byte[7], 0, 7).icmp(1, 2, 3)
                .rawAttribute(0x0055, new byte[3])
                .messageIntegrity(KEY).messageIntegritySha256(KEY).finishWithFingerprint();
        byte[] original = Arrays.copyOf(out.array(), length);
        java.util.Random random = new java.util.Random(42);
        int parsed = 0;
        for (int index = 0; index < length; index++) {
            for (int variant = 0; variant < 6; variant++) {
                byte[] corrupted = original.clone();
                corrupted[index] = variant < 3 ? (byte) (corrupted[index] ^ (1 << random.nextInt(8))) : (byte) random.nextInt(256);
                StunMessage message;
                try {
                    message = StunMessage.parse(corrupted, 0, corrupted.length);
                } catch (StunDecodeException expected) {
                    continue;
                }
                parsed++;
                exerciseEveryAccessor(message);
            }
        }
        assertThat(parsed).isPositive();
    }

    private static void exerciseEveryAccessor(StunMessage message) {
        EveryAccessor.read(message, 0, message.buffer().limit(), KEY, KEY);
    }

    // ---- helpers ----

    private interface Parse {
        StunMessage run() throws StunDecodeException;
    }

    /** The decode error {@code parse} throws; fails the test when it parses or throws anything else. */
    private static StunDecodeException decodeError(Parse parse) {
        try {
            StunMessage message = parse.run();
            throw new AssertionError("expected a StunDecodeException, got " + message);
        } catch (StunDecodeException e) {
            return e;
        }
    }

    private static Arguments malformed(String description, byte[] bytes, Reason reason) {
        return Arguments.of(description, bytes, reason);
    }

    private static byte[] attr(int type, int... value) {
        byte[] bytes = new byte[value.length];
        for (int i = 0; i < value.length; i++) {
            bytes[i] = (byte) value[i];
        }
        return attr(type, bytes);
    }

    private static byte[] attr(int type, byte[] value) {
        return RawMessageBuilder.request().attribute(type, value).build();
    }

    private static byte[] withFamily(int family, int length) {
        byte[] value = new byte[length];
        value[1] = (byte) family;
        return value;
    }

    private static byte[] filled(int length) {
        byte[] value = new byte[length];
        Arrays.fill(value, (byte) 'a');
        return value;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    private static void setLength(byte[] message) {
        message[2] = (byte) ((message.length - 20) >>> 8);
        message[3] = (byte) (message.length - 20);
    }

    /** FINGERPRINT computed here with CRC32 directly, independent of the codec. */
    private static byte[] appendFingerprint(byte[] message) {
        byte[] withFingerprint = Arrays.copyOf(message, message.length + 8);
        setLength(withFingerprint);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(withFingerprint, 0, message.length);
        ByteBuffer.wrap(withFingerprint)
                .putShort(message.length, (short) AttributeType.FINGERPRINT)
                .putShort(message.length + 2, (short) 4)
                .putInt(message.length + 4, (int) crc.getValue() ^ 0x5354554E);
        return withFingerprint;
    }
}
