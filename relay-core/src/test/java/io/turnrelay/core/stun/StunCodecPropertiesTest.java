package io.turnrelay.core.stun;

import static io.turnrelay.core.stun.StunMessageGenerators.addresses;
import static io.turnrelay.core.stun.StunMessageGenerators.messages;
import static io.turnrelay.core.stun.StunMessageGenerators.placements;
import static io.turnrelay.core.stun.StunMessageGenerators.signedMessages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;

import io.turnrelay.core.stun.StunMessageGenerators.AttributeSpec;
import io.turnrelay.core.stun.StunMessageGenerators.MessageSpec;
import io.turnrelay.core.stun.StunMessageGenerators.Placement;
import io.turnrelay.core.stun.StunMessageGenerators.Size;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * Properties of the STUN codec over generated messages: what the writer writes, the decoder reads back
 * through every accessor; any single-bit corruption of a signed message is detected; ChannelData headers
 * round-trip for every channel number and length.
 */
class StunCodecPropertiesTest {
    private static final HexFormat HEX = HexFormat.of();

    // ---------------------------------------------------------------- encode -> decode

    @Test
    void everyWrittenAttributeReadsBackThroughItsAccessor() {
        qt().withExamples(2_000)
                .forAll(messages(Size.FULL), placements(), Generate.range(0, 41))
                .checkAssert((spec, placement, offset) -> {
                    byte[] wire = spec.encode();
                    StunMessage message = decode(placement, wire, offset);
                    assertThat(PacketKind.classify(ByteBuffer.wrap(wire), 0, wire.length, true)).isEqualTo(PacketKind.STUN);
                    assertHeader(message, spec, wire);
                    assertAttributes(message, spec);
                    assertIntegrityAndFingerprint(message, spec);
                });
    }

    /** Two generated attribute sets back to back: every single-valued attribute may now appear twice. */
    @Test
    void repeatedAttributesReadAsTheirFirstOccurrence() {
        qt().withExamples(500)
                .forAll(messages(Size.COMPACT), messages(Size.COMPACT))
                .checkAssert((first, second) -> {
                    List<AttributeSpec> both = new ArrayList<>(first.attributes());
                    both.addAll(second.attributes());
                    MessageSpec spec = new MessageSpec(first.messageClass(), first.method(), first.transactionId(),
                            List.copyOf(both), second.integrityKey(), second.integritySha256Key(), second.fingerprint());
                    byte[] wire = spec.encode();
                    StunMessage message = decode(Placement.DIRECT_AT_POSITION, wire, 5);
                    assertHeader(message, spec, wire);
                    assertAttributes(message, spec);
                    assertIntegrityAndFingerprint(message, spec);
                });
    }

    @Test
    void writerOutputIsIndependentOfBufferKindAndStartPosition() {
        qt().withExamples(1_000)
                .forAll(messages(Size.FULL), Generate.range(0, 50), Generate.booleans())
                .checkAssert((spec, start, direct) -> {
                    byte[] reference = spec.encode();
                    ByteBuffer out = direct ? ByteBuffer.allocateDirect(start + 70_000) : ByteBuffer.allocate(start + 70_000);
                    for (int i = 0; i < start; i++) out.put(i, (byte) 0x5A);
                    out.position(start);
                    int length = spec.writeTo(out);

                    assertThat(length).as("returned length").isEqualTo(reference.length);
                    assertThat(out.position()).as("position after finish").isEqualTo(start + length);
                    assertThat(StunMessageGenerators.bytesAt(out, start, length)).as("bytes").containsExactly(reference);
                    for (int i = 0; i < start; i++) {
                        assertThat(out.get(i)).as("byte %d before the message", i).isEqualTo((byte) 0x5A);
                    }
                });
    }

    /** Too little room is a BufferOverflowException, whichever attribute runs out of it. */
    @Test
    void writingIntoTooSmallABufferOverflows() {
        qt().withExamples(1_000)
                .forAll(messages(Size.FULL), Generate.range(0, Integer.MAX_VALUE), Generate.booleans())
                .checkAssert((spec, roomSeed, direct) -> {
                    int needed = spec.encode().length;
                    int room = roomSeed % needed;
                    ByteBuffer out = direct ? ByteBuffer.allocateDirect(needed + 8) : ByteBuffer.allocate(needed + 8);
                    out.position(8).limit(8 + room);
                    assertThat(catchThrowable(() -> spec.writeTo(out)))
                            .as("writing %d bytes into %d", needed, room)
                            .isInstanceOf(BufferOverflowException.class);
                });
    }

    /** The 16-bit length field caps the attributes at 65532 bytes (a multiple of 4): DATA of 65528 bytes fills it. */
    @Test
    void theLargestMessageRoundTripsAndOneByteMoreIsRefused() {
        byte[] payload = new byte[0xFFFC - 4];
        Arrays.fill(payload, (byte) 0x5C);
        ByteBuffer out = ByteBuffer.allocateDirect(StunMessage.HEADER_LENGTH + 0x10000);
        int length = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.DATA, TransactionId.of(new byte[12]))
                .data(payload, 0, payload.length)
                .finish();
        assertThat(length).isEqualTo(StunMessage.HEADER_LENGTH + 0xFFFC);
        StunMessage message = decode(Placement.DIRECT_AT_POSITION, StunMessageGenerators.bytesAt(out, 0, length), 3);
        assertThat(message.dataLength()).isEqualTo(payload.length);
        assertThat(StunMessageGenerators.bytesAt(message.buffer(), message.dataOffset(), message.dataLength())).containsExactly(payload);

        out.clear();
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.INDICATION, StunMethod.DATA, TransactionId.of(new byte[12]));
        assertThat(catchThrowable(() -> writer.data(new byte[payload.length + 1], 0, payload.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transactionIdsAreValues() {
        qt().withExamples(1_000)
                .forAll(Generate.byteArrays(Generate.constant(TransactionId.LENGTH), Generate.bytes((byte) -128, (byte) 127, (byte) 0)),
                        Generate.range(0, TransactionId.LENGTH - 1))
                .checkAssert((bytes, index) -> {
                    byte[] source = bytes.clone();
                    TransactionId id = TransactionId.of(source);
                    byte[] other = bytes.clone();
                    other[index] ^= 1;
                    assertThat(id).isEqualTo(TransactionId.of(bytes.clone())).hasSameHashCodeAs(TransactionId.of(bytes.clone()));
                    assertThat(id).isNotEqualTo(TransactionId.of(other));
                    assertThat(id.toString()).isEqualTo(HEX.formatHex(bytes));
                    source[index] ^= 1; // of() must have copied its input
                    id.toBytes()[index] ^= 1; // and toBytes() must hand out a copy
                    assertThat(id.toBytes()).containsExactly(bytes);
                });
    }

    @Test
    void aFinishedWriterRefusesFurtherCalls() {
        ByteBuffer out = ByteBuffer.allocate(512);
        StunMessageWriter writer = StunMessageWriter.start(
                out, StunClass.REQUEST, StunMethod.BINDING, TransactionId.of(new byte[TransactionId.LENGTH]));
        writer.software("x");
        writer.finish();
        assertThat(catchThrowable(() -> writer.lifetime(600)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(catchThrowable(writer::finish))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addressesRoundTripThroughEveryAddressAttribute() {
        qt().withExamples(2_000).forAll(addresses(), Generate.enumValues(StunClass.class)).checkAssert((address, cls) -> {
            ByteBuffer out = ByteBuffer.allocate(256);
            int length = StunMessageWriter.start(out, cls, StunMethod.ALLOCATE, TransactionId.of(new byte[12]))
                    .mappedAddress(address)
                    .xorMappedAddress(address)
                    .xorPeerAddress(address)
                    .xorRelayedAddress(address)
                    .alternateServer(address)
                    .finish();
            byte[] wire = StunMessageGenerators.bytesAt(out, 0, length);
            StunMessage message = decode(Placement.HEAP_AT_POSITION, wire, 0);
            assertThat(message.mappedAddress()).isEqualTo(address);
            assertThat(message.xorMappedAddress()).isEqualTo(address);
            assertThat(message.xorPeerAddresses()).containsExactly(address);
            assertThat(message.xorRelayedAddresses()).containsExactly(address);
            assertThat(message.alternateServer()).isEqualTo(address);
        });
    }

    // ---------------------------------------------------------------- buffer byte order

    /*
     * A ByteBuffer's order() is a property of the caller's view, not of the bytes: STUN is big-endian on
     * the wire whatever order a transport set on its buffers (native order is common for direct ones).
     * These fail against the codec as merged: it uses the buffer's order for every multi-byte access.
     */

    @Test
    @Disabled("codec bug: StunMessage.parse reads with the buffer's byte order, so a little-endian view of a valid message is rejected")
    void decodingDoesNotDependOnTheBufferByteOrder() {
        qt().withExamples(500).forAll(messages(Size.COMPACT)).checkAssert(spec -> {
            byte[] wire = spec.encode();
            ByteBuffer littleEndian = ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
            StunMessage message;
            try {
                message = StunMessage.parse(littleEndian);
            } catch (StunDecodeException e) {
                throw new AssertionError("little-endian view rejected: " + e.reason() + " " + e.getMessage()
                        + "\n" + HEX.formatHex(wire), e);
            }
            assertHeader(message, spec, wire);
            assertAttributes(message, spec);
            assertIntegrityAndFingerprint(message, spec);
        });
    }

    @Test
    @Disabled("codec bug: StunMessageWriter writes multi-byte fields in the buffer's byte order, producing malformed STUN in a little-endian buffer")
    void writingDoesNotDependOnTheBufferByteOrder() {
        qt().withExamples(500).forAll(messages(Size.COMPACT), Generate.booleans()).checkAssert((spec, direct) -> {
            byte[] reference = spec.encode();
            ByteBuffer out = (direct ? ByteBuffer.allocateDirect(70_000) : ByteBuffer.allocate(70_000))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int length = spec.writeTo(out);
            assertThat(StunMessageGenerators.bytesAt(out, 0, length)).as("bytes written into a little-endian buffer")
                    .containsExactly(reference);
        });
    }

    @Test
    @Disabled("codec bug: ChannelData reads and writes the header in the buffer's byte order")
    void channelDataDoesNotDependOnTheBufferByteOrder() {
        ByteBuffer bigEndian = ByteBuffer.allocate(8);
        ByteBuffer littleEndian = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ChannelData.writeHeader(bigEndian, 0, 0x4001, 4);
        ChannelData.writeHeader(littleEndian, 0, 0x4001, 4);
        assertThat(littleEndian.array()).as("header bytes").containsExactly(bigEndian.array());
        assertThat(ChannelData.channelNumber(littleEndian, 0)).isEqualTo(0x4001);
        assertThat(ChannelData.payloadLength(littleEndian, 0, 8, false)).isEqualTo(4);
    }

    // ---------------------------------------------------------------- integrity and fingerprint

    /** Small signed messages, every one of their bits flipped in turn. */
    @Test
    void everySingleBitFlipOfASignedMessageIsDetected() {
        qt().withExamples(60)
                .forAll(signedMessages(Size.COMPACT))
                .checkAssert(spec -> {
                    byte[] wire = spec.encode();
                    for (int bit = 0; bit < wire.length * 8; bit++) {
                        assertFlipDetected(spec, wire, bit);
                    }
                });
    }

    /** Messages of any size, one generated bit flipped, placed anywhere. */
    @Test
    void aGeneratedSingleBitFlipOfAnySignedMessageIsDetected() {
        qt().withExamples(1_500)
                .forAll(signedMessages(Size.FULL), Generate.range(0, Integer.MAX_VALUE))
                .checkAssert((spec, bitSeed) -> {
                    byte[] wire = spec.encode();
                    assertFlipDetected(spec, wire, bitSeed % (wire.length * 8));
                });
    }

    @Test
    void integrityDoesNotVerifyWithAnotherKey() {
        qt().withExamples(1_000)
                .forAll(messages(Size.COMPACT).assuming(s -> s.integrityKey() != null || s.integritySha256Key() != null),
                        Generate.range(0, 1_000), Generate.range(1, 255))
                .checkAssert((spec, indexSeed, xor) -> {
                    StunMessage message = decode(Placement.HEAP_AT_POSITION, spec.encode(), 0);
                    if (spec.integrityKey() != null) {
                        byte[] key = spec.integrityKey();
                        assertThat(message.verifyMessageIntegrity(otherKey(key, indexSeed, xor)))
                                .as("MESSAGE-INTEGRITY with another key").isFalse();
                        assertThat(message.verifyMessageIntegrity(key)).as("with the right key afterwards").isTrue();
                    }
                    if (spec.integritySha256Key() != null) {
                        byte[] key = spec.integritySha256Key();
                        assertThat(message.verifyMessageIntegritySha256(otherKey(key, indexSeed, xor)))
                                .as("MESSAGE-INTEGRITY-SHA256 with another key").isFalse();
                        assertThat(message.verifyMessageIntegritySha256(key)).as("with the right key afterwards").isTrue();
                    }
                });
    }

    // ---------------------------------------------------------------- ChannelData

    @Test
    void channelDataHeaderRoundTripsForGeneratedChannelsLengthsAndPadding() {
        qt().withExamples(5_000)
                .forAll(Generate.range(ChannelData.MIN_CHANNEL_NUMBER, ChannelData.MAX_CHANNEL_NUMBER_RFC5766),
                        Generate.range(0, 0xFFFF),
                        Generate.range(0, 3),
                        Generate.range(0, 9).zip(Generate.booleans(), (offset, direct) -> direct ? -1 - offset : offset))
                .checkAssert((channel, length, padding, placement) -> {
                    boolean direct = placement < 0;
                    int offset = direct ? -1 - placement : placement;
                    assertChannelDataRoundTrip(channel, length, padding, offset, direct);
                });
    }

    @Test
    void channelDataHeaderRoundTripsForEveryChannelNumber() {
        for (int channel = ChannelData.MIN_CHANNEL_NUMBER; channel <= ChannelData.MAX_CHANNEL_NUMBER_RFC5766; channel++) {
            int length = (channel * 7919) & 0x3FF; // spread over 0..1023 without randomness
            assertChannelDataRoundTrip(channel, length, channel & 3, channel % 5, (channel & 1) == 0);
        }
    }

    @Test
    void everyChannelNumberOutsideTheRangesIsRejected() {
        ByteBuffer buffer = ByteBuffer.allocate(8);
        for (int channel = 0; channel <= 0xFFFF; channel++) {
            if (channel >= ChannelData.MIN_CHANNEL_NUMBER && channel <= ChannelData.MAX_CHANNEL_NUMBER_RFC5766) {
                continue;
            }
            ChannelData.writeHeader(buffer, 0, channel, 4);
            if (ChannelData.isValidChannelNumber(channel, true) || ChannelData.isValidChannelNumber(channel, false)
                    || ChannelData.payloadLength(buffer, 0, 8, true) != ChannelData.BAD_CHANNEL_NUMBER
                    || ChannelData.payloadLength(buffer, 0, 8, false) != ChannelData.BAD_CHANNEL_NUMBER) {
                fail("channel number 0x%04x accepted", channel);
            }
        }
    }

    @Test
    void channelDataHeaderRoundTripsForEveryLength() {
        ByteBuffer buffer = ByteBuffer.allocate(3 + ChannelData.HEADER_LENGTH + 0xFFFF);
        for (int length = 0; length <= 0xFFFF; length++) {
            int channel = ChannelData.MIN_CHANNEL_NUMBER + (length % 0x1000);
            ChannelData.writeHeader(buffer, 3, channel, length);
            assertThat(ChannelData.channelNumber(buffer, 3)).isEqualTo(channel);
            int frame = ChannelData.HEADER_LENGTH + length;
            if (ChannelData.payloadLength(buffer, 3, frame, false) != length) {
                fail("payloadLength of channel 0x%04x with %d payload bytes = %d",
                        channel, length, ChannelData.payloadLength(buffer, 3, frame, false));
            }
        }
    }

    // ---------------------------------------------------------------- checks

    static StunMessage decode(Placement placement, byte[] wire, int offset) {
        try {
            return placement.parse(wire, offset);
        } catch (StunDecodeException e) {
            throw new AssertionError("decoder rejected a message the writer produced (" + placement + ", offset "
                    + offset + "): " + e.reason() + " " + e.getMessage() + "\n" + HEX.formatHex(wire), e);
        }
    }

    private static void assertHeader(StunMessage message, MessageSpec spec, byte[] wire) {
        assertThat(message.messageClass()).as("class").isEqualTo(spec.messageClass());
        assertThat(message.method()).as("method").isEqualTo(spec.method());
        assertThat(message.transactionId()).as("transaction id").isEqualTo(TransactionId.of(spec.transactionId()));
        assertThat(message.transactionId().toBytes()).containsExactly(spec.transactionId());
        assertThat(message.transactionId().toString()).isEqualTo(HEX.formatHex(spec.transactionId()));
        assertThat(message.length()).as("message length").isEqualTo(wire.length);
        // RFC 8489 §5: first two bits zero, length counts the bytes after the header, magic cookie.
        assertThat(wire[0] & 0xC0).as("first two bits").isZero();
        assertThat(((wire[2] & 0xFF) << 8 | (wire[3] & 0xFF))).as("header length").isEqualTo(wire.length - 20);
        assertThat(ByteBuffer.wrap(wire).getInt(4)).as("magic cookie").isEqualTo(StunMessage.MAGIC_COOKIE);
        assertThat(wire.length % 4).as("length is a multiple of 4").isZero();
    }

    private static void assertAttributes(StunMessage message, MessageSpec spec) {
        List<Integer> expectedTypes = spec.wireTypes();
        List<Integer> actualTypes = new ArrayList<>();
        for (int i = 0; i < message.attributeCount(); i++) actualTypes.add(message.attributeType(i));
        assertThat(actualTypes).as("attribute types in wire order").isEqualTo(expectedTypes);

        Map<Integer, Integer> ordinals = new HashMap<>();
        List<AttributeSpec> attributes = spec.attributes();
        for (int i = 0; i < attributes.size(); i++) {
            AttributeSpec attribute = attributes.get(i);
            assertThat(message.has(attribute.type())).as("has(%s)", AttributeType.name(attribute.type())).isTrue();
            if (attribute.valueLength() >= 0) {
                assertThat(message.attributeValueLength(i)).as("value length of %s", attribute).isEqualTo(attribute.valueLength());
            }
            int ordinal = ordinals.merge(attribute.type(), 1, Integer::sum) - 1;
            // Single-valued accessors show the first occurrence only; lists and raw access show every one.
            if (ordinal == 0 || attribute instanceof StunMessageGenerators.RawAttribute
                    || attribute.type() == AttributeType.XOR_PEER_ADDRESS || attribute.type() == AttributeType.XOR_RELAYED_ADDRESS) {
                attribute.assertDecoded(message, i, ordinal);
            }
        }
        assertThat(message.xorPeerAddresses()).as("XOR-PEER-ADDRESS count")
                .hasSize(ordinals.getOrDefault(AttributeType.XOR_PEER_ADDRESS, 0));
        assertThat(message.xorRelayedAddresses()).as("XOR-RELAYED-ADDRESS count")
                .hasSize(ordinals.getOrDefault(AttributeType.XOR_RELAYED_ADDRESS, 0));

        Set<Integer> unknownRequired = new LinkedHashSet<>();
        for (AttributeSpec attribute : attributes) {
            if (attribute instanceof StunMessageGenerators.RawAttribute && attribute.type() < 0x8000) {
                unknownRequired.add(attribute.type());
            }
        }
        assertThat(message.unknownComprehensionRequiredAttributes()).as("unknown comprehension-required")
                .containsExactlyElementsOf(unknownRequired);

        for (int type : StunMessageGenerators.NAMED_TYPES) {
            if (!expectedTypes.contains(type)) {
                assertAbsent(message, type);
            }
        }
    }

    /** An attribute that was not written reads as absent, whatever else the message carries. */
    private static void assertAbsent(StunMessage message, int type) {
        assertThat(message.has(type)).as("has(%s)", AttributeType.name(type)).isFalse();
        String what = AttributeType.name(type) + " absent";
        switch (type) {
            case AttributeType.MAPPED_ADDRESS -> assertThat(message.mappedAddress()).as(what).isNull();
            case AttributeType.XOR_MAPPED_ADDRESS -> assertThat(message.xorMappedAddress()).as(what).isNull();
            case AttributeType.ALTERNATE_SERVER -> assertThat(message.alternateServer()).as(what).isNull();
            case AttributeType.USERNAME -> assertThat(message.username()).as(what).isNull();
            case AttributeType.USERHASH -> assertThat(message.userhash()).as(what).isNull();
            case AttributeType.REALM -> assertThat(message.realm()).as(what).isNull();
            case AttributeType.NONCE -> assertThat(message.nonce()).as(what).isNull();
            case AttributeType.SOFTWARE -> assertThat(message.software()).as(what).isNull();
            case AttributeType.ALTERNATE_DOMAIN -> assertThat(message.alternateDomain()).as(what).isNull();
            case AttributeType.ERROR_CODE -> assertThat(message.errorCode()).as(what).isNull();
            case AttributeType.UNKNOWN_ATTRIBUTES -> assertThat(message.unknownAttributes()).as(what).isEmpty();
            case AttributeType.PASSWORD_ALGORITHMS -> assertThat(message.passwordAlgorithms()).as(what).isEmpty();
            case AttributeType.PASSWORD_ALGORITHM -> assertThat(message.passwordAlgorithm()).as(what).isNull();
            case AttributeType.LIFETIME -> assertThat(message.lifetime()).as(what).isEmpty();
            case AttributeType.CHANNEL_NUMBER -> assertThat(message.channelNumber()).as(what).isEmpty();
            case AttributeType.REQUESTED_TRANSPORT -> assertThat(message.requestedTransport()).as(what).isEmpty();
            case AttributeType.REQUESTED_ADDRESS_FAMILY -> {
                assertThat(message.requestedAddressFamily()).as(what).isNull();
                assertThat(message.requestedAddressFamilyCode()).as(what).isEmpty();
            }
            case AttributeType.ADDITIONAL_ADDRESS_FAMILY -> {
                assertThat(message.additionalAddressFamily()).as(what).isNull();
                assertThat(message.additionalAddressFamilyCode()).as(what).isEmpty();
            }
            case AttributeType.EVEN_PORT -> {
                assertThat(message.hasEvenPort()).as(what).isFalse();
                assertThat(message.evenPortReserveNext()).as(what).isFalse();
            }
            case AttributeType.RESERVATION_TOKEN -> assertThat(message.reservationToken()).as(what).isEmpty();
            case AttributeType.DONT_FRAGMENT -> assertThat(message.dontFragment()).as(what).isFalse();
            case AttributeType.DATA -> {
                assertThat(message.hasData()).as(what).isFalse();
                assertThat(message.dataOffset()).as(what).isEqualTo(-1);
                assertThat(message.dataLength()).as(what).isEqualTo(-1);
            }
            case AttributeType.ADDRESS_ERROR_CODE -> assertThat(message.addressErrorCode()).as(what).isNull();
            case AttributeType.ICMP -> assertThat(message.icmp()).as(what).isNull();
            case AttributeType.MESSAGE_INTEGRITY -> {
                assertThat(message.hasMessageIntegrity()).as(what).isFalse();
                assertThat(message.verifyMessageIntegrity(new byte[16])).as(what).isFalse();
            }
            case AttributeType.MESSAGE_INTEGRITY_SHA256 -> {
                assertThat(message.hasMessageIntegritySha256()).as(what).isFalse();
                assertThat(message.verifyMessageIntegritySha256(new byte[32])).as(what).isFalse();
            }
            case AttributeType.FINGERPRINT -> {
                assertThat(message.hasFingerprint()).as(what).isFalse();
                assertThat(message.verifyFingerprint()).as(what).isFalse();
            }
            default -> { } // address lists are checked by their sizes
        }
    }

    private static void assertIntegrityAndFingerprint(StunMessage message, MessageSpec spec) {
        if (spec.integrityKey() != null) {
            assertThat(message.hasMessageIntegrity()).isTrue();
            assertThat(message.verifyMessageIntegrity(spec.integrityKey())).as("MESSAGE-INTEGRITY verifies").isTrue();
        }
        if (spec.integritySha256Key() != null) {
            assertThat(message.hasMessageIntegritySha256()).isTrue();
            assertThat(message.verifyMessageIntegritySha256(spec.integritySha256Key()))
                    .as("MESSAGE-INTEGRITY-SHA256 verifies").isTrue();
        }
        if (spec.fingerprint()) {
            assertThat(message.hasFingerprint()).isTrue();
            assertThat(message.verifyFingerprint()).as("FINGERPRINT verifies").isTrue();
        }
    }

    /**
     * A flipped bit must either make the message undecodable or make at least one of the protections the
     * original carried fail: MESSAGE-INTEGRITY covers everything before it, SHA-256 integrity everything
     * before it, FINGERPRINT everything before it, and CRC-32 detects every single-bit error.
     */
    private static void assertFlipDetected(MessageSpec spec, byte[] wire, int bit) {
        byte[] flipped = wire.clone();
        flipped[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        StunMessage message;
        try {
            message = StunMessage.parse(flipped, 0, flipped.length);
        } catch (StunDecodeException expected) {
            return;
        } catch (Throwable unexpected) {
            throw new AssertionError("decoding with bit " + bit + " flipped threw " + unexpected
                    + "\n" + HEX.formatHex(flipped), unexpected);
        }
        boolean stillAuthentic = (spec.integrityKey() == null || message.verifyMessageIntegrity(spec.integrityKey()))
                && (spec.integritySha256Key() == null || message.verifyMessageIntegritySha256(spec.integritySha256Key()))
                && (!spec.fingerprint() || message.verifyFingerprint());
        if (stillAuthentic) {
            fail("flipping bit %d (byte %d) went unnoticed\noriginal %s\nflipped  %s",
                    bit, bit / 8, HEX.formatHex(wire), HEX.formatHex(flipped));
        }
    }

    private static byte[] otherKey(byte[] key, int indexSeed, int xor) {
        byte[] other = key.clone();
        other[indexSeed % other.length] ^= (byte) xor;
        return other;
    }

    private static void assertChannelDataRoundTrip(int channel, int length, int padding, int offset, boolean direct) {
        int frame = ChannelData.HEADER_LENGTH + length + padding;
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(offset + frame + 4) : ByteBuffer.allocate(offset + frame + 4);
        buffer.position(1).limit(offset + frame + 2); // arbitrary; absolute-index methods must leave them alone
        ChannelData.writeHeader(buffer, offset, channel, length);
        assertThat(buffer.position()).as("position").isEqualTo(1);
        assertThat(buffer.limit()).as("limit").isEqualTo(offset + frame + 2);
        // RFC 8656 §12.4: channel number then length, both big-endian 16-bit.
        assertThat(buffer.getShort(offset) & 0xFFFF).as("channel field").isEqualTo(channel);
        assertThat(buffer.getShort(offset + 2) & 0xFFFF).as("length field").isEqualTo(length);

        assertThat(ChannelData.channelNumber(buffer, offset)).as("channelNumber").isEqualTo(channel);
        boolean rfc8656Range = channel <= ChannelData.MAX_CHANNEL_NUMBER;
        assertThat(ChannelData.isValidChannelNumber(channel, true)).isTrue();
        assertThat(ChannelData.isValidChannelNumber(channel, false)).isEqualTo(rfc8656Range);
        assertThat(ChannelData.payloadLength(buffer, offset, frame, true)).as("payloadLength, RFC 5766 range").isEqualTo(length);
        assertThat(ChannelData.payloadLength(buffer, offset, frame, false)).as("payloadLength, RFC 8656 range")
                .isEqualTo(rfc8656Range ? length : ChannelData.BAD_CHANNEL_NUMBER);
        if (length > 0) {
            assertThat(ChannelData.payloadLength(buffer, offset, ChannelData.HEADER_LENGTH + length - 1, true))
                    .as("one byte short").isEqualTo(ChannelData.LENGTH_EXCEEDS_DATAGRAM);
        }
        assertThat(PacketKind.classify(buffer, offset, frame, true)).isEqualTo(PacketKind.CHANNEL_DATA);
        assertThat(PacketKind.classify(buffer, offset, frame, false))
                .isEqualTo(rfc8656Range ? PacketKind.CHANNEL_DATA : PacketKind.OTHER);
        assertThat(buffer.position()).as("position after reading").isEqualTo(1);
    }
}
