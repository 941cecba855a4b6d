package io.turnrelay.core.stun;

import io.turnrelay.core.stun.StunDecodeException.Reason;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A decoded STUN message: a view over the caller's buffer, which must not change while the view is used.
 *
 * <p>{@link #parse} checks the header and the framing of every attribute, and the format of every
 * attribute this codec knows (address families, fixed sizes, maximum lengths), so the typed accessors
 * never fail. Values are materialised only when an accessor asks for them. As RFC 8489 §14.5 requires,
 * attributes after MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT are ignored: they
 * are invisible to every accessor. Accessors for absent attributes return {@code null}, an empty list
 * or an empty optional. When an attribute appears more than once, single-valued accessors return the
 * first; address-list accessors return all in order.
 */
public final class StunMessage {
    public static final int HEADER_LENGTH = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;

    static final int ATTRIBUTE_HEADER_LENGTH = 4;
    static final int MAX_USERNAME_LENGTH = 513;
    /** REALM, NONCE, SOFTWARE and reason phrases: fewer than 128 characters, at most 763 bytes. */
    static final int MAX_TEXT_LENGTH = 763;
    static final int MAX_ALTERNATE_DOMAIN_LENGTH = 255;
    static final int USERHASH_LENGTH = 32;
    static final int MIN_SHA256_INTEGRITY_LENGTH = 16;

    private final ByteBuffer buffer;
    private final int start;
    private final int end;
    private final int attributeCount;
    /** Per visible attribute: type, absolute value offset, value length. */
    private final int[] attributes;

    private StunMessage(ByteBuffer buffer, int start, int end, int[] attributes, int attributeCount) {
        this.buffer = buffer;
        this.start = start;
        this.end = end;
        this.attributes = attributes;
        this.attributeCount = attributeCount;
    }

    /** Decodes the bytes from {@code datagram.position()} to {@code limit()}; leaves position and limit alone. */
    public static StunMessage parse(ByteBuffer datagram) throws StunDecodeException {
        // STUN is big-endian whatever order the caller's buffer is set to; a duplicate shares bytes and indexes.
        ByteBuffer bigEndian = datagram.order() == ByteOrder.BIG_ENDIAN ? datagram : datagram.duplicate().order(ByteOrder.BIG_ENDIAN);
        return decode(bigEndian, datagram.position(), datagram.limit());
    }

    /**
     * Decodes {@code length} bytes of {@code array} starting at {@code offset}, without copying them.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the array (a caller bug, not bad input)
     */
    public static StunMessage parse(byte[] array, int offset, int length) throws StunDecodeException {
        Objects.checkFromIndexSize(offset, length, array.length);
        return decode(ByteBuffer.wrap(array), offset, offset + length);
    }

    private static StunMessage decode(ByteBuffer buffer, int start, int end) throws StunDecodeException {
        int length = end - start;
        if (length < HEADER_LENGTH) {
            throw new StunDecodeException(Reason.NOT_STUN, "datagram of " + length + " bytes is shorter than the 20-byte STUN header");
        }
        if ((buffer.get(start) & 0xC0) != 0) {
            throw new StunDecodeException(Reason.NOT_STUN, "first two bits are not 0b00");
        }
        int cookie = buffer.getInt(start + 4);
        if (cookie != MAGIC_COOKIE) {
            // Not String.format: junk floods reach this line once per datagram on the loop thread.
            throw new StunDecodeException(Reason.BAD_MAGIC_COOKIE,
                    "magic cookie 0x" + HexFormat.of().toHexDigits(cookie) + " at offset 4 is not 0x2112a442");
        }
        int declaredLength = buffer.getShort(start + 2) & 0xFFFF;
        if (declaredLength % 4 != 0 || declaredLength != length - HEADER_LENGTH) {
            throw new StunDecodeException(Reason.BAD_LENGTH, "header length " + declaredLength
                    + " at offset 2 does not match the " + (length - HEADER_LENGTH) + " bytes after the header or is not a multiple of 4");
        }
        return new AttributeScanner(buffer, start, end).scan();
    }

    /** Walks the attributes once: framing, ordering, visibility and format of known attributes. */
    private static final class AttributeScanner {
        private final ByteBuffer buffer;
        private final int start;
        private final int end;
        private int[] attributes = new int[3 * 8];
        private int count;

        AttributeScanner(ByteBuffer buffer, int start, int end) {
            this.buffer = buffer;
            this.start = start;
            this.end = end;
        }

        StunMessage scan() throws StunDecodeException {
            boolean afterIntegrity = false;
            boolean afterSha256Integrity = false;
            int fingerprintOffset = -1;
            int position = start + HEADER_LENGTH;
            while (position < end) {
                int relative = position - start;
                if (end - position < ATTRIBUTE_HEADER_LENGTH) {
                    throw new StunDecodeException(Reason.TRUNCATED_ATTRIBUTE, "attribute header at offset " + relative + " runs past the end");
                }
                int type = buffer.getShort(position) & 0xFFFF;
                int valueLength = buffer.getShort(position + 2) & 0xFFFF;
                int valueOffset = position + ATTRIBUTE_HEADER_LENGTH;
                if (valueLength > end - valueOffset) {
                    throw new StunDecodeException(Reason.TRUNCATED_ATTRIBUTE, AttributeType.name(type) + " at offset " + relative
                            + " declares " + valueLength + " bytes but only " + (end - valueOffset) + " remain");
                }
                if (fingerprintOffset >= 0) {
                    throw new StunDecodeException(Reason.BAD_ATTRIBUTE_ORDER, AttributeType.name(type) + " at offset " + relative
                            + " follows FINGERPRINT, which must be last");
                }
                boolean visible;
                if (type == AttributeType.FINGERPRINT) {
                    fingerprintOffset = position;
                    visible = true;
                } else if (afterSha256Integrity) {
                    visible = false;
                } else if (afterIntegrity) {
                    visible = type == AttributeType.MESSAGE_INTEGRITY_SHA256;
                } else {
                    visible = true;
                }
                if (visible) {
                    validate(type, valueOffset, valueLength, relative);
                    add(type, valueOffset, valueLength);
                    if (type == AttributeType.MESSAGE_INTEGRITY) {
                        afterIntegrity = true;
                    } else if (type == AttributeType.MESSAGE_INTEGRITY_SHA256) {
                        afterSha256Integrity = true;
                    }
                }
                position = valueOffset + padded(valueLength);
            }
            return new StunMessage(buffer, start, end, attributes, count);
        }

        private void add(int type, int valueOffset, int valueLength) {
            if (3 * count + 3 > attributes.length) {
                attributes = Arrays.copyOf(attributes, attributes.length * 2);
            }
            attributes[3 * count] = type;
            attributes[3 * count + 1] = valueOffset;
            attributes[3 * count + 2] = valueLength;
            count++;
        }

        private void validate(int type, int offset, int length, int relative) throws StunDecodeException {
            switch (type) {
                case AttributeType.MAPPED_ADDRESS:
                case AttributeType.XOR_MAPPED_ADDRESS:
                case AttributeType.XOR_PEER_ADDRESS:
                case AttributeType.XOR_RELAYED_ADDRESS:
                case AttributeType.ALTERNATE_SERVER:
                    validateAddress(type, offset, length, relative);
                    break;
                case AttributeType.USERNAME:
                    validateText(type, offset, length, relative, MAX_USERNAME_LENGTH);
                    break;
                case AttributeType.REALM:
                case AttributeType.NONCE:
                case AttributeType.SOFTWARE:
                    validateText(type, offset, length, relative, MAX_TEXT_LENGTH);
                    break;
                case AttributeType.ALTERNATE_DOMAIN:
                    validateText(type, offset, length, relative, MAX_ALTERNATE_DOMAIN_LENGTH);
                    break;
                case AttributeType.ERROR_CODE:
                    requireAtLeast(type, length, 4, relative);
                    validateErrorClassAndNumber(type, offset, relative);
                    validateText(type, offset + 4, length - 4, relative, MAX_TEXT_LENGTH);
                    break;
                case AttributeType.ADDRESS_ERROR_CODE:
                    requireAtLeast(type, length, 4, relative);
                    int family = buffer.get(offset) & 0xFF;
                    if (AddressAttribute.valueLength(family) < 0) {
                        throw new StunDecodeException(Reason.BAD_ADDRESS_FAMILY, AttributeType.name(type) + " at offset " + relative
                                + " has address family 0x" + Integer.toHexString(family));
                    }
                    validateErrorClassAndNumber(type, offset, relative);
                    validateText(type, offset + 4, length - 4, relative, MAX_TEXT_LENGTH);
                    break;
                case AttributeType.MESSAGE_INTEGRITY:
                    requireExactly(type, length, MessageIntegrity.Algorithm.SHA1.length(), relative);
                    break;
                case AttributeType.MESSAGE_INTEGRITY_SHA256:
                    if (length < MIN_SHA256_INTEGRITY_LENGTH || length > MessageIntegrity.Algorithm.SHA256.length() || length % 4 != 0) {
                        throw badValue(type, relative, "has " + length + " bytes; 16 to 32 in steps of 4 are allowed");
                    }
                    break;
                case AttributeType.FINGERPRINT:
                    requireExactly(type, length, Fingerprint.VALUE_LENGTH, relative);
                    break;
                case AttributeType.LIFETIME:
                case AttributeType.CHANNEL_NUMBER:
                case AttributeType.REQUESTED_TRANSPORT:
                case AttributeType.REQUESTED_ADDRESS_FAMILY:
                case AttributeType.ADDITIONAL_ADDRESS_FAMILY:
                case AttributeType.ADDITIONAL_ADDRESS_FAMILY_DRAFT:
                    requireExactly(type, length, 4, relative);
                    break;
                case AttributeType.EVEN_PORT:
                    requireExactly(type, length, 1, relative);
                    break;
                case AttributeType.RESERVATION_TOKEN:
                    requireExactly(type, length, 8, relative);
                    break;
                case AttributeType.DONT_FRAGMENT:
                    requireExactly(type, length, 0, relative);
                    break;
                case AttributeType.USERHASH:
                    requireExactly(type, length, USERHASH_LENGTH, relative);
                    break;
                case AttributeType.ICMP:
                    requireExactly(type, length, 8, relative);
                    break;
                case AttributeType.UNKNOWN_ATTRIBUTES:
                    if (length % 2 != 0) {
                        throw badValue(type, relative, "has an odd length " + length);
                    }
                    break;
                case AttributeType.PASSWORD_ALGORITHMS:
                    validatePasswordAlgorithms(type, offset, length, relative, false);
                    break;
                case AttributeType.PASSWORD_ALGORITHM:
                    validatePasswordAlgorithms(type, offset, length, relative, true);
                    break;
                default:
                    // DATA carries anything; unknown attributes are kept raw.
                    break;
            }
        }

        private void validateAddress(int type, int offset, int length, int relative) throws StunDecodeException {
            if (length < 2) {
                throw new StunDecodeException(Reason.BAD_ADDRESS_FAMILY, AttributeType.name(type) + " at offset " + relative
                        + " is too short (" + length + " bytes) to hold an address family");
            }
            int family = buffer.get(offset + 1) & 0xFF;
            int expected = AddressAttribute.valueLength(family);
            if (expected < 0) {
                throw new StunDecodeException(Reason.BAD_ADDRESS_FAMILY, AttributeType.name(type) + " at offset " + relative
                        + " has address family 0x" + Integer.toHexString(family));
            }
            if (length != expected) {
                throw new StunDecodeException(Reason.BAD_ADDRESS_FAMILY, AttributeType.name(type) + " at offset " + relative
                        + " has " + length + " bytes; family 0x0" + family + " needs " + expected);
            }
        }

        private void validateText(int type, int offset, int length, int relative, int maxLength) throws StunDecodeException {
            if (length > maxLength) {
                throw new StunDecodeException(Reason.OVERSIZED_VALUE, AttributeType.name(type) + " at offset " + relative
                        + " has " + length + " bytes of text; at most " + maxLength + " are allowed");
            }
            if (!Utf8Text.isValid(buffer, offset, length)) {
                throw badValue(type, relative, "is not valid UTF-8");
            }
        }

        private void validateErrorClassAndNumber(int type, int offset, int relative) throws StunDecodeException {
            int errorClass = buffer.get(offset + 2) & 0x07;
            int number = buffer.get(offset + 3) & 0xFF;
            if (errorClass < 3 || errorClass > 6 || number > 99) {
                throw badValue(type, relative, "has class " + errorClass + " and number " + number + "; codes 300-699 are allowed");
            }
        }

        private void validatePasswordAlgorithms(int type, int offset, int length, int relative, boolean single) throws StunDecodeException {
            int i = 0;
            int entries = 0;
            while (i < length) {
                if (length - i < 4) {
                    throw badValue(type, relative, "has a truncated algorithm entry at value byte " + i);
                }
                int parameterLength = buffer.getShort(offset + i + 2) & 0xFFFF;
                if (parameterLength > length - i - 4) {
                    throw badValue(type, relative, "has algorithm parameters past the end of the value at value byte " + i);
                }
                // The last entry's padding may coincide with the attribute's own padding.
                i += Math.min(4 + padded(parameterLength), length - i);
                entries++;
            }
            if (single && entries != 1) {
                throw badValue(type, relative, "must carry exactly one algorithm, not " + entries);
            }
        }

        private static void requireExactly(int type, int length, int expected, int relative) throws StunDecodeException {
            if (length != expected) {
                throw badValue(type, relative, "has " + length + " bytes instead of " + expected);
            }
        }

        private static void requireAtLeast(int type, int length, int minimum, int relative) throws StunDecodeException {
            if (length < minimum) {
                throw badValue(type, relative, "has " + length + " bytes; at least " + minimum + " are needed");
            }
        }

        private static StunDecodeException badValue(int type, int relative, String problem) {
            return new StunDecodeException(Reason.BAD_ATTRIBUTE_VALUE, AttributeType.name(type) + " at offset " + relative + " " + problem);
        }
    }

    static int padded(int length) {
        return (length + 3) & ~3;
    }

    // ---- Header ----

    public StunClass messageClass() {
        int type = messageType();
        return StunClass.fromBits(((type >>> 4) & 0b01) | ((type >>> 7) & 0b10));
    }

    /** The 12-bit method, see {@link StunMethod}. */
    public int method() {
        int type = messageType();
        return (type & 0x000F) | ((type >>> 1) & 0x0070) | ((type >>> 2) & 0x0F80);
    }

    private int messageType() {
        return buffer.getShort(start) & 0x3FFF;
    }

    public TransactionId transactionId() {
        return TransactionId.read(buffer, start + 8);
    }

    /** Bytes of the whole message, header included. */
    public int length() {
        return end - start;
    }

    // ---- Raw attribute access (visible attributes only, in wire order) ----

    public int attributeCount() {
        return attributeCount;
    }

    public int attributeType(int index) {
        return attributes[3 * checkIndex(index)];
    }

    /** Absolute index in {@link #buffer()} of the attribute's value. */
    public int attributeValueOffset(int index) {
        return attributes[3 * checkIndex(index) + 1];
    }

    /** Unpadded length of the attribute's value. */
    public int attributeValueLength(int index) {
        return attributes[3 * checkIndex(index) + 2];
    }

    private int checkIndex(int index) {
        return Objects.checkIndex(index, attributeCount);
    }

    /** The underlying buffer (do not modify it while this view is in use). */
    public ByteBuffer buffer() {
        return buffer;
    }

    public boolean has(int attributeType) {
        return indexOf(attributeType) >= 0;
    }

    private int indexOf(int type) {
        for (int i = 0; i < attributeCount; i++) {
            if (attributes[3 * i] == type) {
                return i;
            }
        }
        return -1;
    }

    private int valueOffset(int index) {
        return attributes[3 * index + 1];
    }

    private int valueLength(int index) {
        return attributes[3 * index + 2];
    }

    /**
     * Comprehension-required attribute types ({@code < 0x8000}) this codec does not know, in order,
     * without duplicates: the server answers 420 listing them in UNKNOWN-ATTRIBUTES.
     */
    public List<Integer> unknownComprehensionRequiredAttributes() {
        List<Integer> unknown = new ArrayList<>(0);
        for (int i = 0; i < attributeCount; i++) {
            int type = attributes[3 * i];
            if (AttributeType.isComprehensionRequired(type) && !AttributeType.isKnown(type) && !unknown.contains(type)) {
                unknown.add(type);
            }
        }
        return List.copyOf(unknown);
    }

    // ---- Typed accessors ----

    public @Nullable InetSocketAddress mappedAddress() {
        return address(AttributeType.MAPPED_ADDRESS, false);
    }

    public @Nullable InetSocketAddress xorMappedAddress() {
        return address(AttributeType.XOR_MAPPED_ADDRESS, true);
    }

    /** Every XOR-PEER-ADDRESS, in order (CreatePermission may carry several). */
    public List<InetSocketAddress> xorPeerAddresses() {
        return addresses(AttributeType.XOR_PEER_ADDRESS);
    }

    /** Every XOR-RELAYED-ADDRESS, in order (a dual-stack allocation has two). */
    public List<InetSocketAddress> xorRelayedAddresses() {
        return addresses(AttributeType.XOR_RELAYED_ADDRESS);
    }

    public @Nullable InetSocketAddress alternateServer() {
        return address(AttributeType.ALTERNATE_SERVER, false);
    }

    private @Nullable InetSocketAddress address(int type, boolean xor) {
        int index = indexOf(type);
        return index < 0 ? null : AddressAttribute.read(buffer, start, valueOffset(index), valueLength(index), xor);
    }

    private List<InetSocketAddress> addresses(int type) {
        List<InetSocketAddress> found = new ArrayList<>(2);
        for (int i = 0; i < attributeCount; i++) {
            if (attributes[3 * i] == type) {
                found.add(AddressAttribute.read(buffer, start, valueOffset(i), valueLength(i), true));
            }
        }
        return List.copyOf(found);
    }

    public @Nullable String username() {
        return text(AttributeType.USERNAME);
    }

    /** The 32-byte USERHASH value, copied. */
    public byte @Nullable [] userhash() {
        int index = indexOf(AttributeType.USERHASH);
        return index < 0 ? null : copy(valueOffset(index), valueLength(index));
    }

    public @Nullable String realm() {
        return text(AttributeType.REALM);
    }

    public @Nullable String nonce() {
        return text(AttributeType.NONCE);
    }

    public @Nullable String software() {
        return text(AttributeType.SOFTWARE);
    }

    public @Nullable String alternateDomain() {
        return text(AttributeType.ALTERNATE_DOMAIN);
    }

    private @Nullable String text(int type) {
        int index = indexOf(type);
        return index < 0 ? null : Utf8Text.decode(buffer, valueOffset(index), valueLength(index));
    }

    public @Nullable ErrorCode errorCode() {
        int index = indexOf(AttributeType.ERROR_CODE);
        if (index < 0) {
            return null;
        }
        int offset = valueOffset(index);
        return new ErrorCode(errorCodeAt(offset), Utf8Text.decode(buffer, offset + 4, valueLength(index) - 4));
    }

    private int errorCodeAt(int valueOffset) {
        return (buffer.get(valueOffset + 2) & 0x07) * 100 + (buffer.get(valueOffset + 3) & 0xFF);
    }

    /** The attribute types listed in UNKNOWN-ATTRIBUTES. */
    public List<Integer> unknownAttributes() {
        int index = indexOf(AttributeType.UNKNOWN_ATTRIBUTES);
        if (index < 0) {
            return List.of();
        }
        int offset = valueOffset(index);
        Integer[] types = new Integer[valueLength(index) / 2];
        for (int i = 0; i < types.length; i++) {
            types[i] = buffer.getShort(offset + 2 * i) & 0xFFFF;
        }
        return List.of(types);
    }

    public List<PasswordAlgorithmEntry> passwordAlgorithms() {
        int index = indexOf(AttributeType.PASSWORD_ALGORITHMS);
        return index < 0 ? List.of() : passwordAlgorithmEntries(valueOffset(index), valueLength(index));
    }

    public @Nullable PasswordAlgorithmEntry passwordAlgorithm() {
        int index = indexOf(AttributeType.PASSWORD_ALGORITHM);
        return index < 0 ? null : passwordAlgorithmEntries(valueOffset(index), valueLength(index)).get(0);
    }

    private List<PasswordAlgorithmEntry> passwordAlgorithmEntries(int offset, int length) {
        List<PasswordAlgorithmEntry> entries = new ArrayList<>(2);
        int i = 0;
        while (i < length) {
            int algorithm = buffer.getShort(offset + i) & 0xFFFF;
            int parameterLength = buffer.getShort(offset + i + 2) & 0xFFFF;
            entries.add(new PasswordAlgorithmEntry(algorithm, copy(offset + i + 4, parameterLength)));
            i += Math.min(4 + padded(parameterLength), length - i);
        }
        return List.copyOf(entries);
    }

    /** LIFETIME in seconds (an unsigned 32-bit value). */
    public OptionalLong lifetime() {
        int index = indexOf(AttributeType.LIFETIME);
        return index < 0 ? OptionalLong.empty() : OptionalLong.of(buffer.getInt(valueOffset(index)) & 0xFFFF_FFFFL);
    }

    /** CHANNEL-NUMBER's 16-bit number, whatever its range; range checks are the server's. */
    public OptionalInt channelNumber() {
        int index = indexOf(AttributeType.CHANNEL_NUMBER);
        return index < 0 ? OptionalInt.empty() : OptionalInt.of(buffer.getShort(valueOffset(index)) & 0xFFFF);
    }

    /** REQUESTED-TRANSPORT's IP protocol number (17 for UDP). */
    public OptionalInt requestedTransport() {
        return firstByte(AttributeType.REQUESTED_TRANSPORT);
    }

    /**
     * REQUESTED-ADDRESS-FAMILY. A family byte other than 0x01/0x02 is not a decode error here (the
     * server must answer 440): {@link #requestedAddressFamilyCode()} gives the raw byte.
     */
    public @Nullable AddressFamily requestedAddressFamily() {
        return family(requestedAddressFamilyCode());
    }

    /** The raw family byte of REQUESTED-ADDRESS-FAMILY. */
    public OptionalInt requestedAddressFamilyCode() {
        return firstByte(AttributeType.REQUESTED_ADDRESS_FAMILY);
    }

    /** ADDITIONAL-ADDRESS-FAMILY; same rule as {@link #requestedAddressFamily()}. */
    public @Nullable AddressFamily additionalAddressFamily() {
        return family(additionalAddressFamilyCode());
    }

    /** The raw family byte of ADDITIONAL-ADDRESS-FAMILY, under its RFC 8656 codepoint or else the draft one coturn uses. */
    public OptionalInt additionalAddressFamilyCode() {
        OptionalInt standard = firstByte(AttributeType.ADDITIONAL_ADDRESS_FAMILY);
        return standard.isPresent() ? standard : firstByte(AttributeType.ADDITIONAL_ADDRESS_FAMILY_DRAFT);
    }

    private OptionalInt firstByte(int type) {
        int index = indexOf(type);
        return index < 0 ? OptionalInt.empty() : OptionalInt.of(buffer.get(valueOffset(index)) & 0xFF);
    }

    private static @Nullable AddressFamily family(OptionalInt code) {
        if (code.isEmpty()) {
            return null;
        }
        for (AddressFamily family : AddressFamily.values()) {
            if (family.code() == code.getAsInt()) {
                return family;
            }
        }
        return null;
    }

    public boolean hasEvenPort() {
        return has(AttributeType.EVEN_PORT);
    }

    /** The R bit of EVEN-PORT: also reserve the next-higher port. False when EVEN-PORT is absent. */
    public boolean evenPortReserveNext() {
        int index = indexOf(AttributeType.EVEN_PORT);
        return index >= 0 && (buffer.get(valueOffset(index)) & 0x80) != 0;
    }

    /** RESERVATION-TOKEN's 8 bytes as a big-endian long. */
    public OptionalLong reservationToken() {
        int index = indexOf(AttributeType.RESERVATION_TOKEN);
        return index < 0 ? OptionalLong.empty() : OptionalLong.of(buffer.getLong(valueOffset(index)));
    }

    public boolean dontFragment() {
        return has(AttributeType.DONT_FRAGMENT);
    }

    public boolean hasData() {
        return has(AttributeType.DATA);
    }

    /** Absolute index in {@link #buffer()} of DATA's value; -1 when absent. */
    public int dataOffset() {
        int index = indexOf(AttributeType.DATA);
        return index < 0 ? -1 : valueOffset(index);
    }

    /** Length of DATA's value; -1 when absent. */
    public int dataLength() {
        int index = indexOf(AttributeType.DATA);
        return index < 0 ? -1 : valueLength(index);
    }

    public @Nullable AddressErrorCode addressErrorCode() {
        int index = indexOf(AttributeType.ADDRESS_ERROR_CODE);
        if (index < 0) {
            return null;
        }
        int offset = valueOffset(index);
        AddressFamily family = (buffer.get(offset) & 0xFF) == AddressFamily.IPV4.code() ? AddressFamily.IPV4 : AddressFamily.IPV6;
        return new AddressErrorCode(family, errorCodeAt(offset), Utf8Text.decode(buffer, offset + 4, valueLength(index) - 4));
    }

    public @Nullable Icmp icmp() {
        int index = indexOf(AttributeType.ICMP);
        if (index < 0) {
            return null;
        }
        int offset = valueOffset(index);
        return new Icmp(buffer.get(offset + 2) & 0xFF, buffer.get(offset + 3) & 0xFF, buffer.getInt(offset + 4));
    }

    private byte[] copy(int offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = buffer.get(offset + i);
        }
        return bytes;
    }

    // ---- Integrity and fingerprint ----

    public boolean hasMessageIntegrity() {
        return has(AttributeType.MESSAGE_INTEGRITY);
    }

    public boolean hasMessageIntegritySha256() {
        return has(AttributeType.MESSAGE_INTEGRITY_SHA256);
    }

    public boolean hasFingerprint() {
        return has(AttributeType.FINGERPRINT);
    }

    /**
     * Checks MESSAGE-INTEGRITY (HMAC-SHA1) with the long-term or short-term key, adjusting the length
     * field as RFC 8489 §14.5 says; constant-time comparison. False when the attribute is absent.
     */
    public boolean verifyMessageIntegrity(byte[] key) {
        return verify(AttributeType.MESSAGE_INTEGRITY, MessageIntegrity.Algorithm.SHA1, key);
    }

    /** Checks MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), including truncated (16..32 byte) values. */
    public boolean verifyMessageIntegritySha256(byte[] key) {
        return verify(AttributeType.MESSAGE_INTEGRITY_SHA256, MessageIntegrity.Algorithm.SHA256, key);
    }

    private boolean verify(int type, MessageIntegrity.Algorithm algorithm, byte[] key) {
        Objects.requireNonNull(key, "key");
        int index = indexOf(type);
        if (index < 0) {
            return false;
        }
        int attributeOffset = valueOffset(index) - ATTRIBUTE_HEADER_LENGTH;
        return MessageIntegrity.verify(algorithm, key, buffer, start, attributeOffset, valueLength(index));
    }

    /** Checks FINGERPRINT (CRC-32 of everything before it, XOR 0x5354554E). False when absent. */
    public boolean verifyFingerprint() {
        int index = indexOf(AttributeType.FINGERPRINT);
        return index >= 0 && Fingerprint.verify(buffer, start, valueOffset(index) - ATTRIBUTE_HEADER_LENGTH);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder()
                .append(StunMethod.name(method())).append(' ').append(messageClass())
                .append(" tx=").append(transactionId()).append(" [");
        for (int i = 0; i < attributeCount; i++) {
            text.append(i == 0 ? "" : ", ").append(AttributeType.name(attributes[3 * i]))
                    .append('(').append(attributes[3 * i + 2]).append(')');
        }
        return text.append(']').toString();
    }
}
