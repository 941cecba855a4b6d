package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StunMessageWriterTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final TransactionId TRANSACTION = TransactionId.of(HEX.parseHex("00112233445566778899aabb"));
    private static final byte[] KEY = {1, 2, 3, 4};

    static Stream<InetSocketAddress> addresses() throws Exception {
        return Stream.of(
                new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853),
                new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0),
                new InetSocketAddress(InetAddress.getByName("255.255.255.255"), 65535),
                new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853),
                new InetSocketAddress(InetAddress.getByName("::"), 1),
                new InetSocketAddress(InetAddress.getByName("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535));
    }

    @ParameterizedTest
    @MethodSource("addresses")
    void everyAddressAttributeRoundTrips(InetSocketAddress address) throws Exception {
        StunMessage message = roundTrip(w -> w
                .mappedAddress(address)
                .xorMappedAddress(address)
                .xorPeerAddress(address)
                .xorRelayedAddress(address)
                .alternateServer(address));

        assertThat(message.mappedAddress()).isEqualTo(address);
        assertThat(message.xorMappedAddress()).isEqualTo(address);
        assertThat(message.xorPeerAddresses()).containsExactly(address);
        assertThat(message.xorRelayedAddresses()).containsExactly(address);
        assertThat(message.alternateServer()).isEqualTo(address);
        int expectedLength = address.getAddress().getAddress().length + 4;
        for (int i = 0; i < message.attributeCount(); i++) {
            assertThat(message.attributeValueLength(i)).isEqualTo(expectedLength);
        }
    }

    @Test
    void xorAddressesAreMaskedWithCookieAndTransactionId() throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::"), 0);
        ByteBuffer out = ByteBuffer.allocate(100);
        StunMessageWriter.start(out, StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, TRANSACTION).xorMappedAddress(v6).finish();
        // The all-zero address and port XOR to the mask itself: the port with the cookie's top half, the address with cookie+id.
        assertThat(HEX.formatHex(Arrays.copyOfRange(out.array(), 24, 44)))
                .isEqualTo("0002" + "2112" + "2112a442" + "00112233445566778899aabb");
        ByteBuffer plain = ByteBuffer.allocate(100);
        StunMessageWriter.start(plain, StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, TRANSACTION)
                .mappedAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853)).finish();
        assertThat(HEX.formatHex(Arrays.copyOfRange(plain.array(), 20, 32))).isEqualTo("00010008" + "0001" + "8055" + "c0000201");
    }

    @Test
    void ipv4MappedIpv6AddressStaysIpv6() throws Exception {
        byte[] mapped = HEX.parseHex("00000000000000000000ffffc0000201");
        InetSocketAddress address = new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 5);
        StunMessage message = roundTrip(w -> w.xorPeerAddress(address));
        assertThat(message.attributeValueLength(0)).isEqualTo(20);
        assertThat(message.xorPeerAddresses().get(0).getAddress().getAddress()).isEqualTo(mapped);
    }

    @Test
    void textAttributesRoundTrip() throws Exception {
        String user = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9 \uD83D\uDE00";
        StunMessage message = roundTrip(w -> w
                .username(user)
                .realm("example.org")
                .nonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA")
                .software("turnrelay 0.1")
                .alternateDomain("turn.example.org"));
        assertThat(message.username()).isEqualTo(user);
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.nonce()).isEqualTo("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
        assertThat(message.software()).isEqualTo("turnrelay 0.1");
        assertThat(message.alternateDomain()).isEqualTo("turn.example.org");
    }

    @Test
    void textAtTheMaximumLengthsRoundTrips() throws Exception {
        String username = "u".repeat(513);
        String realm = "r".repeat(763);
        String domain = "d".repeat(255);
        StunMessage message = roundTrip(w -> w.username(username).realm(realm).alternateDomain(domain).errorCode(400, "e".repeat(763)));
        assertThat(message.username()).isEqualTo(username);
        assertThat(message.realm()).isEqualTo(realm);
        assertThat(message.alternateDomain()).isEqualTo(domain);
        assertThat(message.errorCode()).isEqualTo(new ErrorCode(400, "e".repeat(763)));
    }

    @Test
    void emptyTextRoundTrips() throws Exception {
        StunMessage message = roundTrip(w -> w.nonce("").errorCode(300, ""));
        assertThat(message.nonce()).isEmpty();
        assertThat(message.errorCode()).isEqualTo(new ErrorCode(300, ""));
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 399, 400, 401, 420, 437, 438, 499, 500, 508, 699})
    void errorCodesRoundTrip(int code) throws Exception {
        StunMessage message = roundTrip(w -> w.errorCode(code, ErrorCode.defaultReason(code))
                .addressErrorCode(AddressFamily.IPV6, code, "Family"));
        assertThat(message.errorCode()).isEqualTo(new ErrorCode(code, ErrorCode.defaultReason(code)));
        assertThat(message.addressErrorCode()).isEqualTo(new AddressErrorCode(AddressFamily.IPV6, code, "Family"));
    }

    @Test
    void errorCodeWireFormatSplitsClassAndNumber() {
        ByteBuffer out = ByteBuffer.allocate(100);
        StunMessageWriter.start(out, StunClass.ERROR_RESPONSE, StunMethod.ALLOCATE, TRANSACTION).errorCode(437, "x").finish();
        assertThat(HEX.formatHex(Arrays.copyOfRange(out.array(), 20, 32))).isEqualTo("00090005" + "00000425" + "78000000");
        assertThat(HEX.formatHex(Arrays.copyOf(out.array(), 4))).isEqualTo("0113000c");
    }

    @Test
    void numericAndFlagAttributesRoundTrip() throws Exception {
        StunMessage message = roundTrip(w -> w
                .lifetime(0xFFFF_FFFFL)
                .channelNumber(0x4001)
                .requestedTransport(17)
                .requestedAddressFamily(AddressFamily.IPV4)
                .additionalAddressFamily(AddressFamily.IPV6)
                .evenPort(true)
                .reservationToken(0x0123_4567_89AB_CDEFL)
                .dontFragment()
                .icmp(3, 13, 0xDEADBEEF));
        assertThat(message.lifetime()).hasValue(0xFFFF_FFFFL);
        assertThat(message.channelNumber()).hasValue(0x4001);
        assertThat(message.requestedTransport()).hasValue(17);
        assertThat(message.requestedAddressFamily()).isEqualTo(AddressFamily.IPV4);
        assertThat(message.requestedAddressFamilyCode()).hasValue(1);
        assertThat(message.additionalAddressFamily()).isEqualTo(AddressFamily.IPV6);
        assertThat(message.additionalAddressFamilyCode()).hasValue(2);
        assertThat(message.hasEvenPort()).isTrue();
        assertThat(message.evenPortReserveNext()).isTrue();
        assertThat(message.reservationToken()).hasValue(0x0123_4567_89AB_CDEFL);
        assertThat(message.dontFragment()).isTrue();
        assertThat(message.icmp()).isEqualTo(new Icmp(3, 13, 0xDEADBEEF));
    }

    @Test
    void evenPortWithoutReservationAndOutOfRangeChannelNumbers() throws Exception {
        StunMessage message = roundTrip(w -> w.evenPort(false).channelNumber(0xFFFF).lifetime(0));
        assertThat(message.hasEvenPort()).isTrue();
        assertThat(message.evenPortReserveNext()).isFalse();
        assertThat(message.channelNumber()).hasValue(0xFFFF);
        assertThat(message.lifetime()).hasValue(0);
    }

    @Test
    void opaqueAttributesRoundTrip() throws Exception {
        byte[] hash = new byte[32];
        Arrays.fill(hash, (byte) 0x5A);
        byte[] payload = {10, 20, 30, 40, 50};
        ByteBuffer directPayload = ByteBuffer.allocateDirect(16);
        directPayload.put(3, (byte) 77).put(4, (byte) 78).put(5, (byte) 79);
        StunMessage message = roundTrip(w -> w
                .userhash(hash)
                .data(payload, 1, 3)
                .unknownAttributes(List.of(0x0024, 0x7FFF, 0xFFFF))
                .rawAttribute(0x8029, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertThat(message.userhash()).isEqualTo(hash);
        assertThat(message.dataLength()).isEqualTo(3);
        byte[] data = new byte[3];
        message.buffer().get(message.dataOffset(), data);
        assertThat(data).containsExactly(20, 30, 40);
        assertThat(message.unknownAttributes()).containsExactly(0x0024, 0x7FFF, 0xFFFF);
        assertThat(message.attributeType(3)).isEqualTo(0x8029);

        StunMessage fromDirect = roundTrip(w -> w.data(directPayload, 3, 3));
        byte[] direct = new byte[3];
        fromDirect.buffer().get(fromDirect.dataOffset(), direct);
        assertThat(direct).containsExactly(77, 78, 79);
        assertThat(directPayload.position()).isZero();
    }

    @Test
    void emptyDataAndEmptyUnknownAttributesRoundTrip() throws Exception {
        StunMessage message = roundTrip(w -> w.data(new byte[0], 0, 0).unknownAttributes(List.of()));
        assertThat(message.hasData()).isTrue();
        assertThat(message.dataLength()).isZero();
        assertThat(message.unknownAttributes()).isEmpty();
    }

    @Test
    void passwordAlgorithmsRoundTrip() throws Exception {
        PasswordAlgorithmEntry withParameters = new PasswordAlgorithmEntry(0x1234, new byte[] {1, 2, 3});
        List<PasswordAlgorithmEntry> offered = List.of(
                PasswordAlgorithmEntry.of(PasswordAlgorithmEntry.SHA256), PasswordAlgorithmEntry.of(PasswordAlgorithmEntry.MD5), withParameters);
        StunMessage message = roundTrip(w -> w.passwordAlgorithms(offered).passwordAlgorithm(withParameters));
        assertThat(message.passwordAlgorithms()).containsExactlyElementsOf(offered);
        assertThat(message.passwordAlgorithm()).isEqualTo(withParameters);
        assertThat(message.attributeValueLength(0)).isEqualTo(4 + 4 + 8);
    }

    @Test
    void valuesArePaddedWithZeros() {
        ByteBuffer out = ByteBuffer.allocate(100);
        Arrays.fill(out.array(), (byte) 0x77);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, TRANSACTION).username("abcde").finish();
        assertThat(length).isEqualTo(20 + 4 + 8);
        assertThat(HEX.formatHex(Arrays.copyOfRange(out.array(), 20, 32))).isEqualTo("00060005" + "6162636465000000");
        assertThat(out.array()[32]).isEqualTo((byte) 0x77);
    }

    @Test
    void writesAtTheBufferPositionAndLeavesItAfterTheMessage() throws Exception {
        ByteBuffer out = ByteBuffer.allocateDirect(200);
        out.position(13);
        int length = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.DATA, TRANSACTION)
                .xorPeerAddress(new InetSocketAddress(InetAddress.getByName("203.0.113.5"), 9))
                .data(new byte[] {1, 2, 3}, 0, 3)
                .messageIntegrity(KEY)
                .finishWithFingerprint();
        assertThat(out.position()).isEqualTo(13 + length);
        out.limit(out.position()).position(13);
        StunMessage message = StunMessage.parse(out);
        assertThat(message.length()).isEqualTo(length);
        assertThat(message.messageClass()).isEqualTo(StunClass.INDICATION);
        assertThat(message.method()).isEqualTo(StunMethod.DATA);
        assertThat(message.dataOffset()).isEqualTo(13 + 20 + 12 + 4);
        assertThat(message.verifyMessageIntegrity(KEY)).isTrue();
        assertThat(message.verifyFingerprint()).isTrue();
    }

    @Test
    void finishReturnsTheLengthAndWritesItIntoTheHeader() {
        ByteBuffer out = ByteBuffer.allocate(100);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, TRANSACTION).lifetime(5).finish();
        assertThat(length).isEqualTo(28);
        assertThat(out.getShort(2)).isEqualTo((short) 8);
        assertThat(HEX.formatHex(Arrays.copyOf(out.array(), 20))).isEqualTo("000100082112a44200112233445566778899aabb");
    }

    @Test
    void sha1ThenSha256IntegrityAndFingerprintAreLaidOutInOrder() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(200);
        int length = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.REFRESH, TRANSACTION)
                .messageIntegrity(KEY)
                .messageIntegritySha256(KEY)
                .finishWithFingerprint();
        StunMessage message = StunMessage.parse(out.array(), 0, length);
        assertThat(message.attributeCount()).isEqualTo(3);
        assertThat(message.attributeType(0)).isEqualTo(AttributeType.MESSAGE_INTEGRITY);
        assertThat(message.attributeType(1)).isEqualTo(AttributeType.MESSAGE_INTEGRITY_SHA256);
        assertThat(message.attributeValueLength(1)).isEqualTo(32);
        assertThat(message.attributeType(2)).isEqualTo(AttributeType.FINGERPRINT);
        assertThat(length).isEqualTo(20 + 24 + 36 + 8);
    }

    // ---- Refusals ----

    @Test
    void valuesTheRfcForbidsAreRefused() throws Exception {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("example.org", 3478);
        assertRefused(w -> w.username("u".repeat(514)));
        assertRefused(w -> w.realm("r".repeat(764)));
        assertRefused(w -> w.nonce("n".repeat(764)));
        assertRefused(w -> w.software("\u00E9".repeat(382)));
        assertRefused(w -> w.alternateDomain("d".repeat(256)));
        assertRefused(w -> w.username("bad \uD800 surrogate"));
        assertRefused(w -> w.errorCode(299, "x"));
        assertRefused(w -> w.errorCode(700, "x"));
        assertRefused(w -> w.errorCode(400, "e".repeat(764)));
        assertRefused(w -> w.addressErrorCode(AddressFamily.IPV4, 200, "x"));
        assertRefused(w -> w.userhash(new byte[31]));
        assertRefused(w -> w.userhash(new byte[33]));
        assertRefused(w -> w.lifetime(-1));
        assertRefused(w -> w.lifetime(0x1_0000_0000L));
        assertRefused(w -> w.channelNumber(0x10000));
        assertRefused(w -> w.channelNumber(-1));
        assertRefused(w -> w.requestedTransport(256));
        assertRefused(w -> w.icmp(256, 0, 0));
        assertRefused(w -> w.icmp(0, -1, 0));
        assertRefused(w -> w.unknownAttributes(List.of(0x10000)));
        assertRefused(w -> w.passwordAlgorithm(PasswordAlgorithmEntry.of(0x10000)));
        assertRefused(w -> w.rawAttribute(-1, new byte[0]));
        assertRefused(w -> w.mappedAddress(unresolved));
        assertRefused(w -> w.xorPeerAddress(unresolved));
        assertRefused(w -> w.data(new byte[0xFFFD], 0, 0xFFFD));
    }

    @Test
    void theMessageLengthLimitIsEnforced() {
        ByteBuffer out = ByteBuffer.allocate(0x20000);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.SEND, TRANSACTION)
                .data(new byte[0xFFF8], 0, 0xFFF8);
        assertThatThrownBy(() -> writer.lifetime(1)).isInstanceOf(IllegalArgumentException.class);
        int length = writer.finish();
        assertThat(length).isEqualTo(20 + 0xFFFC);
    }

    @Test
    void methodMustFitTwelveBits() {
        ByteBuffer out = ByteBuffer.allocate(100);
        assertThatThrownBy(() -> StunMessageWriter.start(out, StunClass.REQUEST, 0x1000, TRANSACTION))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StunMessageWriter.start(out, StunClass.REQUEST, -1, TRANSACTION))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooSmallABufferOverflows() {
        ByteBuffer out = ByteBuffer.allocate(30);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, TRANSACTION);
        assertThatThrownBy(() -> writer.username("a-long-username")).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> StunMessageWriter.start(ByteBuffer.allocate(19), StunClass.REQUEST, StunMethod.BINDING, TRANSACTION))
                .isInstanceOf(BufferOverflowException.class);
    }

    @Test
    void useAfterFinishIsRefused() {
        ByteBuffer out = ByteBuffer.allocate(200);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.BINDING, TRANSACTION);
        writer.finish();
        assertThatThrownBy(() -> writer.username("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(writer::finish).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(writer::finishWithFingerprint).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> writer.messageIntegrity(KEY)).isInstanceOf(IllegalStateException.class);

        StunMessageWriter signing = StunMessageWriter.start(ByteBuffer.allocate(200), StunClass.REQUEST, StunMethod.BINDING, TRANSACTION);
        StunMessageWriter.Signed signed = signing.messageIntegrity(KEY);
        signed.finishWithFingerprint();
        assertThatThrownBy(signed::finish).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> signed.messageIntegritySha256(KEY)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onlyTheSignedStageMayFollowIntegrity() {
        StunMessageWriter writer = StunMessageWriter.start(ByteBuffer.allocate(300), StunClass.REQUEST, StunMethod.BINDING, TRANSACTION);
        StunMessageWriter.Signed signed = writer.messageIntegritySha256(KEY);
        assertThatThrownBy(() -> writer.username("late")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> writer.messageIntegrity(KEY)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(writer::finish).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> signed.messageIntegritySha256(KEY)).isInstanceOf(IllegalStateException.class);
        assertThat(signed.finish()).isEqualTo(20 + 36);
    }

    // ---- helpers ----

    private static StunMessage roundTrip(Function<StunMessageWriter, StunMessageWriter> attributes) throws StunDecodeException {
        ByteBuffer out = ByteBuffer.allocate(4096);
        int length = attributes.apply(StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.ALLOCATE, TRANSACTION)).finish();
        assertThat(out.position()).isEqualTo(length);
        StunMessage message = StunMessage.parse(Arrays.copyOf(out.array(), length), 0, length);
        assertThat(message.transactionId()).isEqualTo(TRANSACTION);
        assertThat(message.method()).isEqualTo(StunMethod.ALLOCATE);
        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        return message;
    }

    private static void assertRefused(Function<StunMessageWriter, StunMessageWriter> attribute) {
        StunMessageWriter writer = StunMessageWriter.start(ByteBuffer.allocate(0x20000), StunClass.REQUEST, StunMethod.BINDING, TRANSACTION);
        assertThatThrownBy(() -> attribute.apply(writer)).isInstanceOf(IllegalArgumentException.class);
    }
}
