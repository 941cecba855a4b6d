package io.turnrelay.core.stun;

import static io.turnrelay.core.stun.StunMessageGenerators.bytes;
import static io.turnrelay.core.stun.StunMessageGenerators.coin;
import static io.turnrelay.core.stun.StunMessageGenerators.draw;
import static io.turnrelay.core.stun.StunMessageGenerators.messages;
import static io.turnrelay.core.stun.StunMessageGenerators.placements;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import io.turnrelay.core.stun.StunDecodeException.Reason;
import io.turnrelay.core.stun.StunMessageGenerators.Placement;
import io.turnrelay.core.stun.StunMessageGenerators.Size;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.generators.Generate;

/**
 * Hostile input: whatever bytes arrive, the decoder either returns a message whose every accessor works
 * or throws {@link StunDecodeException}, never anything else; ChannelData and packet classification
 * never throw for ranges inside the buffer. Then one targeted case per {@link Reason}.
 */
class StunMalformedInputTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] TRANSACTION_ID = HEX.parseHex("0102030405060708090a0b0c");
    private static final byte[] KEY = "key".getBytes(StandardCharsets.UTF_8);

    // ---------------------------------------------------------------- arbitrary bytes

    @Test
    void arbitraryBytesOnlyEverFailWithStunDecodeException() {
        Gen<byte[]> arbitrary = in -> bytes(in, draw(in, 0, 600));
        qt().withExamples(5_000)
                .forAll(arbitrary, placements(), Generate.range(0, 17))
                .checkAssert((datagram, placement, offset) -> decodeSafely(datagram, placement, offset));
    }

    /** A valid header with a matching length, so the bytes reach the attribute parser. */
    @Test
    void arbitraryAttributesBehindAValidHeaderOnlyEverFailWithStunDecodeException() {
        AtomicInteger decoded = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        qt().withExamples(5_000)
                .forAll(datagramsWithValidHeader(), placements(), Generate.range(0, 17))
                .checkAssert((datagram, placement, offset) -> {
                    total.incrementAndGet();
                    if (decodeSafely(datagram, placement, offset) != null) {
                        decoded.incrementAndGet();
                    }
                });
        // Otherwise the accessors would never see such input and the property would prove little.
        assertThat(decoded.get()).as("datagrams that decoded, of %d", total.get()).isGreaterThan(total.get() / 20);
    }

    @Test
    void truncatedMessagesAreRejectedForTheirLength() {
        qt().withExamples(1_500)
                .forAll(messages(Size.FULL), Generate.range(0, Integer.MAX_VALUE), placements())
                .checkAssert((spec, cutSeed, placement) -> {
                    byte[] wire = spec.encode();
                    byte[] truncated = Arrays.copyOf(wire, cutSeed % wire.length);
                    Reason reason = rejectionReason(truncated, placement, 3);
                    assertThat(reason).as("reason for %d of %d bytes", truncated.length, wire.length)
                            .isEqualTo(truncated.length < StunMessage.HEADER_LENGTH ? Reason.NOT_STUN : Reason.BAD_LENGTH);
                });
    }

    @Test
    void messagesWithTrailingBytesAreRejectedForTheirLength() {
        qt().withExamples(500)
                .forAll(messages(Size.COMPACT), Generate.range(1, 40), placements())
                .checkAssert((spec, extra, placement) -> {
                    byte[] wire = spec.encode();
                    byte[] extended = Arrays.copyOf(wire, wire.length + extra);
                    assertThat(rejectionReason(extended, placement, 5)).isEqualTo(Reason.BAD_LENGTH);
                });
    }

    @Test
    void bitFlippedMessagesOnlyEverFailWithStunDecodeException() {
        qt().withExamples(2_000)
                .forAll(messages(Size.FULL), Generate.intArrays(Generate.range(1, 8), Generate.range(0, Integer.MAX_VALUE)),
                        placements())
                .checkAssert((spec, bitSeeds, placement) -> {
                    byte[] wire = spec.encode();
                    for (int seed : bitSeeds) {
                        int bit = seed % (wire.length * 8);
                        wire[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                    }
                    decodeSafely(wire, placement, 1);
                });
    }

    @Test
    void aHeaderLengthThatDisagreesWithTheDatagramIsBadLength() {
        qt().withExamples(2_000)
                .forAll(messages(Size.COMPACT), Generate.range(0, 0xFFFF), placements())
                .checkAssert((spec, declared, placement) -> {
                    byte[] wire = spec.encode();
                    if (declared == wire.length - StunMessage.HEADER_LENGTH) {
                        return;
                    }
                    wire[2] = (byte) (declared >>> 8);
                    wire[3] = (byte) declared.intValue();
                    assertThat(rejectionReason(wire, placement, 2)).as("declared length %d", declared).isEqualTo(Reason.BAD_LENGTH);
                });
    }

    @Test
    void tamperedAttributeLengthsOnlyEverFailWithStunDecodeException() {
        qt().withExamples(2_000)
                .forAll(messages(Size.FULL).assuming(s -> !s.wireTypes().isEmpty()),
                        Generate.range(0, Integer.MAX_VALUE), Generate.range(0, 0xFFFF), placements())
                .checkAssert((spec, indexSeed, declared, placement) -> {
                    byte[] wire = spec.encode();
                    List<Integer> headers = attributeHeaderOffsets(wire);
                    int header = headers.get(indexSeed % headers.size());
                    // Half the time a small change, which keeps the framing plausible; otherwise anything.
                    int original = (wire[header + 2] & 0xFF) << 8 | (wire[header + 3] & 0xFF);
                    int length = (declared & 1) == 0 ? Math.max(0, original + (declared % 9) - 4) : declared;
                    wire[header + 2] = (byte) (length >>> 8);
                    wire[header + 3] = (byte) length;
                    decodeSafely(wire, placement, 0);
                });
    }

    // ---------------------------------------------------------------- ChannelData and PacketKind

    @Test
    void channelDataPayloadLengthNeverThrowsAndKeepsItsPromises() {
        qt().withExamples(5_000)
                .forAll(channelDataCandidates(), Generate.range(0, Integer.MAX_VALUE), Generate.range(0, Integer.MAX_VALUE),
                        Generate.booleans())
                .checkAssert((datagram, offsetSeed, lengthSeed, rfc5766) -> {
                    for (boolean direct : new boolean[] {false, true}) {
                        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(datagram.length) : ByteBuffer.allocate(datagram.length);
                        buffer.put(0, datagram).position(datagram.length / 2);
                        int offset = offsetSeed % (datagram.length + 1);
                        int length = lengthSeed % (datagram.length - offset + 1);
                        int result;
                        PacketKind kind;
                        try {
                            result = ChannelData.payloadLength(buffer, offset, length, rfc5766);
                            kind = PacketKind.classify(buffer, offset, length, rfc5766);
                        } catch (Throwable t) {
                            throw new AssertionError("threw for offset " + offset + " length " + length + ": "
                                    + HEX.formatHex(datagram), t);
                        }
                        assertThat(buffer.position()).isEqualTo(datagram.length / 2);
                        assertChannelDataResult(datagram, offset, length, rfc5766, result);
                        assertThat(kind).isEqualTo(expectedKind(datagram, offset, length, rfc5766));
                    }
                });
    }

    private static void assertChannelDataResult(byte[] datagram, int offset, int length, boolean rfc5766, int result) {
        if (length < ChannelData.HEADER_LENGTH) {
            assertThat(result).isEqualTo(ChannelData.TRUNCATED_HEADER);
            return;
        }
        int channel = (datagram[offset] & 0xFF) << 8 | (datagram[offset + 1] & 0xFF);
        int payload = (datagram[offset + 2] & 0xFF) << 8 | (datagram[offset + 3] & 0xFF);
        boolean validChannel = channel >= 0x4000 && channel <= (rfc5766 ? 0x7FFF : 0x4FFF);
        boolean fits = payload <= length - ChannelData.HEADER_LENGTH;
        if (validChannel && fits) {
            assertThat(result).as("payload length").isEqualTo(payload);
        } else if (!validChannel && fits) {
            assertThat(result).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
        } else if (validChannel) {
            assertThat(result).isEqualTo(ChannelData.LENGTH_EXCEEDS_DATAGRAM);
        } else {
            assertThat(result).isIn(ChannelData.BAD_CHANNEL_NUMBER, ChannelData.LENGTH_EXCEEDS_DATAGRAM);
        }
    }

    /** The classification PacketKind's Javadoc promises, from the first byte. */
    private static PacketKind expectedKind(byte[] datagram, int offset, int length, boolean rfc5766) {
        if (length == 0) {
            return PacketKind.OTHER;
        }
        int first = datagram[offset] & 0xFF;
        if (first < 0x40) {
            return PacketKind.STUN;
        }
        return first <= (rfc5766 ? 0x7F : 0x4F) ? PacketKind.CHANNEL_DATA : PacketKind.OTHER;
    }

    @Test
    void channelDataRejectsEachMalformation() {
        ByteBuffer buffer = ByteBuffer.wrap(HEX.parseHex("ffff4000000461626364ffff"));
        assertThat(ChannelData.payloadLength(buffer, 2, 8, false)).isEqualTo(4);
        assertThat(ChannelData.payloadLength(buffer, 2, 10, false)).as("UDP padding is tolerated").isEqualTo(4);
        assertThat(ChannelData.payloadLength(buffer, 2, 3, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
        assertThat(ChannelData.payloadLength(buffer, 2, 0, false)).isEqualTo(ChannelData.TRUNCATED_HEADER);
        assertThat(ChannelData.payloadLength(buffer, 2, 7, false)).isEqualTo(ChannelData.LENGTH_EXCEEDS_DATAGRAM);
        ByteBuffer below = ByteBuffer.wrap(HEX.parseHex("3fff0000"));
        assertThat(ChannelData.payloadLength(below, 0, 4, true)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
        ByteBuffer rfc5766 = ByteBuffer.wrap(HEX.parseHex("5000000000"));
        assertThat(ChannelData.payloadLength(rfc5766, 0, 5, false)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
        assertThat(ChannelData.payloadLength(rfc5766, 0, 5, true)).isZero();
        ByteBuffer above = ByteBuffer.wrap(HEX.parseHex("80000000"));
        assertThat(ChannelData.payloadLength(above, 0, 4, true)).isEqualTo(ChannelData.BAD_CHANNEL_NUMBER);
    }

    // ---------------------------------------------------------------- one case per Reason

    @Test
    void notStun() {
        assertRejected(new byte[0], Reason.NOT_STUN);
        assertRejected(new byte[19], Reason.NOT_STUN);
        for (int firstByte : new int[] {0x40, 0x80, 0xC0, 0xFF}) {
            byte[] wire = message(0x0001);
            wire[0] = (byte) firstByte;
            assertRejected(wire, Reason.NOT_STUN);
        }
    }

    @Test
    void badMagicCookie() {
        byte[] wire = message(0x0001, attribute(AttributeType.SOFTWARE, ascii("x")));
        wire[7] ^= 0x01;
        assertRejected(wire, Reason.BAD_MAGIC_COOKIE);
        byte[] rfc3489 = message(0x0001);
        System.arraycopy(new byte[4], 0, rfc3489, 4, 4);
        assertRejected(rfc3489, Reason.BAD_MAGIC_COOKIE);
    }

    @Test
    void aBadMagicCookieIsNamedInEightHexDigits() {
        byte[] wire = message(0x0001);
        System.arraycopy(new byte[] {0x00, 0x0a, (byte) 0xbc, 0x0d}, 0, wire, 4, 4);
        assertThatThrownBy(() -> StunMessage.parse(wire, 0, wire.length))
                .isInstanceOf(StunDecodeException.class)
                .hasMessage("magic cookie 0x000abc0d at offset 4 is not 0x2112a442");
        byte[] high = message(0x0001);
        System.arraycopy(new byte[] {(byte) 0xff, 0x12, 0x34, 0x56}, 0, high, 4, 4);
        assertThatThrownBy(() -> StunMessage.parse(high, 0, high.length)).hasMessageStartingWith("magic cookie 0xff123456 ");
    }

    @Test
    void badLength() {
        byte[] software = attribute(AttributeType.SOFTWARE, ascii("abcd"));
        assertRejected(withDeclaredLength(message(0x0001, software), software.length + 4), Reason.BAD_LENGTH);
        assertRejected(withDeclaredLength(message(0x0001, software), software.length - 4), Reason.BAD_LENGTH);
        // Not a multiple of 4, although it matches the bytes that follow.
        byte[] odd = Arrays.copyOf(message(0x0001), 22);
        assertRejected(withDeclaredLength(odd, 2), Reason.BAD_LENGTH);
    }

    @Test
    void truncatedAttribute() {
        // SOFTWARE declares 100 bytes; 4 follow.
        assertRejected(message(0x0001, HEX.parseHex("80220064"), ascii("abcd")), Reason.TRUNCATED_ATTRIBUTE);
        // A second attribute's value runs past the end.
        assertRejected(message(0x0001, attribute(AttributeType.LIFETIME, new byte[4]), HEX.parseHex("00130008"), new byte[4]),
                Reason.TRUNCATED_ATTRIBUTE);
        // USERNAME declares 6 bytes; 4 follow.
        assertRejected(message(0x0001, HEX.parseHex("00060006"), ascii("abcd")), Reason.TRUNCATED_ATTRIBUTE);
    }

    @Test
    void badAddressFamily() {
        for (int type : new int[] {AttributeType.MAPPED_ADDRESS, AttributeType.XOR_MAPPED_ADDRESS,
                AttributeType.XOR_PEER_ADDRESS, AttributeType.XOR_RELAYED_ADDRESS, AttributeType.ALTERNATE_SERVER}) {
            assertRejected(message(0x0101, attribute(type, HEX.parseHex("00031234c0000201"))), Reason.BAD_ADDRESS_FAMILY);
            assertRejected(message(0x0101, attribute(type, HEX.parseHex("00001234c0000201"))), Reason.BAD_ADDRESS_FAMILY);
            // IPv4 family with an IPv6-sized value and the reverse.
            assertRejected(message(0x0101, attribute(type, concat(HEX.parseHex("00011234"), new byte[16]))),
                    Reason.BAD_ADDRESS_FAMILY);
            assertRejected(message(0x0101, attribute(type, HEX.parseHex("00021234c0000201"))), Reason.BAD_ADDRESS_FAMILY);
        }
    }

    @Test
    void badAttributeValue() {
        assertRejected(message(0x0003, attribute(AttributeType.LIFETIME, new byte[3])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.REQUESTED_TRANSPORT, new byte[8])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0009, attribute(AttributeType.CHANNEL_NUMBER, new byte[2])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.USERHASH, new byte[31])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.RESERVATION_TOKEN, new byte[4])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.EVEN_PORT, new byte[4])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.DONT_FRAGMENT, new byte[4])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.MESSAGE_INTEGRITY, new byte[19])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.MESSAGE_INTEGRITY_SHA256, new byte[12])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.MESSAGE_INTEGRITY_SHA256, new byte[36])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0003, attribute(AttributeType.FINGERPRINT, new byte[8])), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0113, attribute(AttributeType.ERROR_CODE, new byte[2])), Reason.BAD_ATTRIBUTE_VALUE);
        // Codes outside 300-699: class 7, class 2, number 100.
        assertRejected(message(0x0113, attribute(AttributeType.ERROR_CODE, HEX.parseHex("00000700"))), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0113, attribute(AttributeType.ERROR_CODE, HEX.parseHex("00000263"))), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0113, attribute(AttributeType.ERROR_CODE, HEX.parseHex("00000464"))), Reason.BAD_ATTRIBUTE_VALUE);
        assertRejected(message(0x0113, attribute(AttributeType.UNKNOWN_ATTRIBUTES, HEX.parseHex("000100"))), Reason.BAD_ATTRIBUTE_VALUE);
        // PASSWORD-ALGORITHMS whose parameter length runs past the value.
        assertRejected(message(0x0113, attribute(AttributeType.PASSWORD_ALGORITHMS, HEX.parseHex("00010008abcd0000"))),
                Reason.BAD_ATTRIBUTE_VALUE);
        // Text that is not UTF-8: overlong NUL, lone continuation byte, an encoded surrogate.
        for (String bad : new String[] {"c080", "61806162", "eda080"}) {
            assertRejected(message(0x0001, attribute(AttributeType.USERNAME, HEX.parseHex(bad))), Reason.BAD_ATTRIBUTE_VALUE);
            assertRejected(message(0x0001, attribute(AttributeType.SOFTWARE, HEX.parseHex(bad))), Reason.BAD_ATTRIBUTE_VALUE);
        }
    }

    @Test
    void oversizedValue() {
        assertAccepted(message(0x0001, attribute(AttributeType.USERNAME, ascii("u".repeat(513)))));
        assertRejected(message(0x0001, attribute(AttributeType.USERNAME, ascii("u".repeat(514)))), Reason.OVERSIZED_VALUE);
        for (int type : new int[] {AttributeType.REALM, AttributeType.NONCE, AttributeType.SOFTWARE}) {
            assertAccepted(message(0x0001, attribute(type, ascii("r".repeat(763)))));
            assertRejected(message(0x0001, attribute(type, ascii("r".repeat(764)))), Reason.OVERSIZED_VALUE);
        }
        assertRejected(message(0x0111, attribute(AttributeType.ERROR_CODE, concat(HEX.parseHex("00000400"), ascii("e".repeat(764))))),
                Reason.OVERSIZED_VALUE);
    }

    @Test
    void badAttributeOrder() {
        byte[] fingerprint = attribute(AttributeType.FINGERPRINT, new byte[4]);
        assertRejected(message(0x0001, fingerprint, attribute(AttributeType.SOFTWARE, ascii("late"))), Reason.BAD_ATTRIBUTE_ORDER);
        assertRejected(message(0x0001, fingerprint, fingerprint), Reason.BAD_ATTRIBUTE_ORDER);
    }

    /** Not a malformation: RFC 8489 §14.5 says such attributes are ignored, so no accessor may show them. */
    @Test
    void attributesAfterMessageIntegrityOtherThanFingerprintAreInvisible() throws StunDecodeException {
        byte[] wire = message(0x0001,
                attribute(AttributeType.REALM, ascii("example.org")),
                attribute(AttributeType.MESSAGE_INTEGRITY, new byte[20]),
                attribute(AttributeType.USERNAME, ascii("smuggled")),
                attribute(AttributeType.LIFETIME, HEX.parseHex("00000e10")));
        StunMessage message = StunMessage.parse(wire, 0, wire.length);
        assertThat(message.realm()).isEqualTo("example.org");
        assertThat(message.username()).isNull();
        assertThat(message.lifetime()).isEmpty();
        assertThat(message.attributeCount()).isEqualTo(2);
        assertThat(message.has(AttributeType.USERNAME)).isFalse();
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Decodes and, when that succeeds, reads every accessor; fails the test on anything thrown except
     * {@link StunDecodeException}. Returns the message, or null when it was rejected.
     */
    static @Nullable StunMessage decodeSafely(byte[] datagram, Placement placement, int offset) {
        StunMessage message;
        try {
            message = placement.parse(datagram, offset);
        } catch (StunDecodeException rejected) {
            assertThat(rejected.reason()).isNotNull();
            return null;
        } catch (Throwable t) {
            throw new AssertionError("decoding threw " + t + " (" + placement + ", offset " + offset + ")\n"
                    + HEX.formatHex(datagram), t);
        }
        try {
            readEverything(message, datagram.length);
        } catch (Throwable t) {
            throw new AssertionError("an accessor of a decoded message threw " + t + " (" + placement + ")\n"
                    + HEX.formatHex(datagram), t);
        }
        return message;
    }

    private static void readEverything(StunMessage message, int datagramLength) {
        assertThat(message.length()).isEqualTo(datagramLength);
        EveryAccessor.read(message, StunMessage.HEADER_LENGTH + 4, message.buffer().limit(), KEY, KEY);
    }

    private static Reason rejectionReason(byte[] datagram, Placement placement, int offset) {
        try {
            StunMessage message = placement.parse(datagram, offset);
            throw new AssertionError("accepted as " + message + ":\n" + HEX.formatHex(datagram));
        } catch (StunDecodeException rejected) {
            return rejected.reason();
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("decoding threw " + t + "\n" + HEX.formatHex(datagram), t);
        }
    }

    /** Every placement must reject {@code datagram} with {@code expected}. */
    private static void assertRejected(byte[] datagram, Reason expected) {
        for (Placement placement : Placement.values()) {
            assertThat(rejectionReason(datagram, placement, 3))
                    .as("%s: %s", placement, HEX.formatHex(datagram)).isEqualTo(expected);
        }
    }

    private static void assertAccepted(byte[] datagram) {
        for (Placement placement : Placement.values()) {
            assertThat(decodeSafely(datagram, placement, 3)).as("%s: %s", placement, HEX.formatHex(datagram)).isNotNull();
        }
    }

    /** Headers with random attributes: often well-formed known attributes, often not. */
    private static Gen<byte[]> datagramsWithValidHeader() {
        return in -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int count = draw(in, 0, 8);
            List<Integer> types = new ArrayList<>(StunMessageGenerators.NAMED_TYPES);
            types.sort(null);
            for (int i = 0; i < count; i++) {
                int type = draw(in, 0, 3) == 0 ? draw(in, 0, 0xFFFF) : types.get(draw(in, 0, types.size() - 1));
                byte[] value = plausibleValue(in, type);
                int declared = draw(in, 0, 7) == 0 ? draw(in, 0, 0xFFFF) : value.length;
                body.writeBytes(new byte[] {(byte) (type >>> 8), (byte) type, (byte) (declared >>> 8), (byte) declared});
                body.writeBytes(value);
                body.writeBytes(new byte[StunMessageGenerators.padded(value.length) - value.length]);
            }
            int messageType = draw(in, 0, 0x3FFF);
            return concat(header(messageType, body.size(), bytes(in, 12)), body.toByteArray());
        };
    }

    private static byte[] plausibleValue(RandomnessSource in, int type) {
        if (draw(in, 0, 4) == 0) {
            return bytes(in, draw(in, 0, 40));
        }
        switch (type) {
            case AttributeType.MAPPED_ADDRESS, AttributeType.XOR_MAPPED_ADDRESS, AttributeType.XOR_PEER_ADDRESS,
                    AttributeType.XOR_RELAYED_ADDRESS, AttributeType.ALTERNATE_SERVER -> {
                boolean v4 = coin(in);
                byte[] value = bytes(in, v4 ? 8 : 20);
                value[1] = (byte) (v4 ? 1 : 2);
                return value;
            }
            case AttributeType.ERROR_CODE, AttributeType.ADDRESS_ERROR_CODE -> {
                byte[] value = concat(bytes(in, 4), ascii("reason"));
                value[0] = (byte) draw(in, 1, 2);
                value[2] = (byte) draw(in, 3, 6);
                value[3] = (byte) draw(in, 0, 99);
                return value;
            }
            case AttributeType.USERNAME, AttributeType.REALM, AttributeType.NONCE, AttributeType.SOFTWARE,
                    AttributeType.ALTERNATE_DOMAIN -> {
                return StunMessageGenerators.text(in, 20).getBytes(StandardCharsets.UTF_8);
            }
            case AttributeType.LIFETIME, AttributeType.CHANNEL_NUMBER, AttributeType.REQUESTED_TRANSPORT,
                    AttributeType.REQUESTED_ADDRESS_FAMILY, AttributeType.ADDITIONAL_ADDRESS_FAMILY,
                    AttributeType.FINGERPRINT -> {
                return bytes(in, 4);
            }
            case AttributeType.EVEN_PORT -> {
                return bytes(in, 1);
            }
            case AttributeType.RESERVATION_TOKEN, AttributeType.ICMP -> {
                return bytes(in, 8);
            }
            case AttributeType.DONT_FRAGMENT -> {
                return new byte[0];
            }
            case AttributeType.USERHASH -> {
                return bytes(in, 32);
            }
            case AttributeType.MESSAGE_INTEGRITY -> {
                return bytes(in, 20);
            }
            case AttributeType.MESSAGE_INTEGRITY_SHA256 -> {
                return bytes(in, 4 * draw(in, 4, 8));
            }
            case AttributeType.UNKNOWN_ATTRIBUTES -> {
                return bytes(in, 2 * draw(in, 0, 6));
            }
            case AttributeType.PASSWORD_ALGORITHMS, AttributeType.PASSWORD_ALGORITHM -> {
                byte[] parameters = bytes(in, draw(in, 0, 6));
                byte[] entry = concat(new byte[] {0, (byte) draw(in, 1, 3), 0, (byte) parameters.length}, parameters);
                return type == AttributeType.PASSWORD_ALGORITHM || coin(in)
                        ? entry : concat(Arrays.copyOf(entry, 4 + StunMessageGenerators.padded(parameters.length)), entry);
            }
            default -> {
                return bytes(in, draw(in, 0, 40));
            }
        }
    }

    private static Gen<byte[]> channelDataCandidates() {
        return in -> {
            byte[] datagram = bytes(in, draw(in, 0, 600));
            if (datagram.length >= 4 && coin(in)) {
                // Make the interesting cases common: a channel number in range and a length near the real one.
                datagram[0] = (byte) draw(in, 0x40, 0x7F);
                int payload = Math.max(0, datagram.length - 4 - draw(in, -3, 6));
                datagram[2] = (byte) (payload >>> 8);
                datagram[3] = (byte) payload;
            }
            return datagram;
        };
    }

    private static List<Integer> attributeHeaderOffsets(byte[] wire) {
        List<Integer> offsets = new ArrayList<>();
        int position = StunMessage.HEADER_LENGTH;
        while (position < wire.length) {
            offsets.add(position);
            int length = (wire[position + 2] & 0xFF) << 8 | (wire[position + 3] & 0xFF);
            position += 4 + StunMessageGenerators.padded(length);
        }
        return offsets;
    }

    /** A message of {@code type} with the given attribute bytes and a length field that matches them. */
    static byte[] message(int type, byte[]... attributes) {
        byte[] body = concat(attributes);
        return concat(header(type, body.length, TRANSACTION_ID), body);
    }

    private static byte[] header(int type, int length, byte[] transactionId) {
        ByteBuffer header = ByteBuffer.allocate(StunMessage.HEADER_LENGTH);
        header.putShort((short) type).putShort((short) length).putInt(StunMessage.MAGIC_COOKIE).put(transactionId);
        return header.array();
    }

    /** Type, length, value and zero padding. */
    static byte[] attribute(int type, byte[] value) {
        ByteBuffer attribute = ByteBuffer.allocate(4 + StunMessageGenerators.padded(value.length));
        attribute.putShort((short) type).putShort((short) value.length).put(value);
        return attribute.array();
    }

    private static byte[] withDeclaredLength(byte[] wire, int length) {
        wire[2] = (byte) (length >>> 8);
        wire[3] = (byte) length;
        return wire;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            joined.writeBytes(part);
        }
        return joined.toByteArray();
    }
}
