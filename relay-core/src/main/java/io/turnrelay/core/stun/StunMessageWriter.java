package io.turnrelay.core.stun;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Encodes one STUN message into a caller-supplied buffer, starting at its position, in stages:
 * attributes, then optionally MESSAGE-INTEGRITY and/or MESSAGE-INTEGRITY-SHA256 ({@link Signed}),
 * then {@code finish()} or {@code finishWithFingerprint()}, which writes the header's length and
 * leaves the buffer's position after the message. Until a finish call the bytes are not a message;
 * after it, this writer refuses further calls with {@link IllegalStateException}.
 *
 * <p>Attribute values are padded with zero bytes. A value the RFC forbids (e.g. USERNAME over 513
 * bytes, a reason phrase over 763 bytes, an error code outside 300-699) is refused with
 * {@link IllegalArgumentException}; too little room in the buffer is a {@link java.nio.BufferOverflowException}.
 * Once integrity has been added, the attribute methods of this writer refuse with
 * {@link IllegalStateException}: continue through the returned {@link Signed}.
 */
public final class StunMessageWriter {
    /** Largest attribute section the 16-bit length field can describe while staying a multiple of 4. */
    private static final int MAX_ATTRIBUTES_LENGTH = 0xFFFC;

    private enum Stage { ATTRIBUTES, SIGNED_SHA1, SIGNED_SHA256, FINISHED }

    private final ByteBuffer out;
    private final int start;
    private Stage stage = Stage.ATTRIBUTES;

    private StunMessageWriter(ByteBuffer out, int start) {
        this.out = out;
        this.start = start;
    }

    /**
     * Writes the header at {@code out.position()} (length 0 until finished).
     *
     * @throws IllegalArgumentException if {@code method} does not fit 12 bits
     */
    public static StunMessageWriter start(ByteBuffer out, StunClass messageClass, int method, TransactionId transactionId) {
        Objects.requireNonNull(messageClass, "messageClass");
        Objects.requireNonNull(transactionId, "transactionId");
        if (method < 0 || method > StunMethod.MAX) {
            throw new IllegalArgumentException("method 0x" + Integer.toHexString(method) + " does not fit 12 bits");
        }
        int classBits = messageClass.bits();
        int type = (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
                | ((classBits & 0b01) << 4) | ((classBits & 0b10) << 7);
        StunMessageWriter writer = new StunMessageWriter(out, out.position());
        out.putShort((short) type);
        out.putShort((short) 0);
        out.putInt(StunMessage.MAGIC_COOKIE);
        for (int i = 0; i < TransactionId.LENGTH; i++) {
            out.put(transactionId.byteAt(i));
        }
        return writer;
    }

    // ---- Addresses ----

    public StunMessageWriter mappedAddress(InetSocketAddress address) {
        return addressAttribute(AttributeType.MAPPED_ADDRESS, address, false);
    }

    public StunMessageWriter xorMappedAddress(InetSocketAddress address) {
        return addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, address, true);
    }

    public StunMessageWriter xorPeerAddress(InetSocketAddress address) {
        return addressAttribute(AttributeType.XOR_PEER_ADDRESS, address, true);
    }

    public StunMessageWriter xorRelayedAddress(InetSocketAddress address) {
        return addressAttribute(AttributeType.XOR_RELAYED_ADDRESS, address, true);
    }

    public StunMessageWriter alternateServer(InetSocketAddress address) {
        return addressAttribute(AttributeType.ALTERNATE_SERVER, address, false);
    }

    private StunMessageWriter addressAttribute(int type, InetSocketAddress address, boolean xor) {
        requireStage(Stage.ATTRIBUTES);
        int valueLength = AddressAttribute.addressBytes(address).length + 4;
        beginAttribute(type, valueLength);
        AddressAttribute.write(out, start, address, xor);
        return this;
    }

    // ---- Text ----

    public StunMessageWriter username(String username) {
        return text(AttributeType.USERNAME, username, StunMessage.MAX_USERNAME_LENGTH);
    }

    /** USERHASH: exactly 32 bytes. */
    public StunMessageWriter userhash(byte[] userhash) {
        if (userhash.length != StunMessage.USERHASH_LENGTH) {
            throw new IllegalArgumentException("USERHASH has 32 bytes, not " + userhash.length);
        }
        return rawValue(AttributeType.USERHASH, userhash, 0, userhash.length);
    }

    public StunMessageWriter realm(String realm) {
        return text(AttributeType.REALM, realm, StunMessage.MAX_TEXT_LENGTH);
    }

    public StunMessageWriter nonce(String nonce) {
        return text(AttributeType.NONCE, nonce, StunMessage.MAX_TEXT_LENGTH);
    }

    public StunMessageWriter software(String software) {
        return text(AttributeType.SOFTWARE, software, StunMessage.MAX_TEXT_LENGTH);
    }

    public StunMessageWriter alternateDomain(String domain) {
        return text(AttributeType.ALTERNATE_DOMAIN, domain, StunMessage.MAX_ALTERNATE_DOMAIN_LENGTH);
    }

    private StunMessageWriter text(int type, String value, int maxLength) {
        requireStage(Stage.ATTRIBUTES);
        byte[] bytes = encodeText(type, value, maxLength);
        return rawValue(type, bytes, 0, bytes.length);
    }

    private static byte[] encodeText(int type, String value, int maxLength) {
        byte[] bytes = Utf8Text.encode(value, AttributeType.name(type));
        if (bytes.length > maxLength) {
            throw new IllegalArgumentException(AttributeType.name(type) + " of " + bytes.length
                    + " UTF-8 bytes exceeds the maximum of " + maxLength);
        }
        return bytes;
    }

    // ---- Errors ----

    /** ERROR-CODE; {@code code} 300-699, {@code reason} at most 763 UTF-8 bytes. */
    public StunMessageWriter errorCode(int code, String reason) {
        requireStage(Stage.ATTRIBUTES);
        byte[] reasonBytes = errorReason(AttributeType.ERROR_CODE, code, reason);
        beginAttribute(AttributeType.ERROR_CODE, 4 + reasonBytes.length);
        out.putShort((short) 0);
        out.put((byte) (code / 100));
        out.put((byte) (code % 100));
        out.put(reasonBytes);
        pad(reasonBytes.length);
        return this;
    }

    public StunMessageWriter addressErrorCode(AddressFamily family, int code, String reason) {
        requireStage(Stage.ATTRIBUTES);
        Objects.requireNonNull(family, "family");
        byte[] reasonBytes = errorReason(AttributeType.ADDRESS_ERROR_CODE, code, reason);
        beginAttribute(AttributeType.ADDRESS_ERROR_CODE, 4 + reasonBytes.length);
        out.put((byte) family.code());
        out.put((byte) 0);
        out.put((byte) (code / 100));
        out.put((byte) (code % 100));
        out.put(reasonBytes);
        pad(reasonBytes.length);
        return this;
    }

    private static byte[] errorReason(int type, int code, String reason) {
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException(AttributeType.name(type) + " code " + code + " is outside 300-699");
        }
        return encodeText(type, reason, StunMessage.MAX_TEXT_LENGTH);
    }

    /** UNKNOWN-ATTRIBUTES with 16-bit attribute types. */
    public StunMessageWriter unknownAttributes(List<Integer> attributeTypes) {
        requireStage(Stage.ATTRIBUTES);
        for (int type : attributeTypes) {
            requireUnsigned16("attribute type", type);
        }
        beginAttribute(AttributeType.UNKNOWN_ATTRIBUTES, 2 * attributeTypes.size());
        for (int type : attributeTypes) {
            out.putShort((short) type);
        }
        pad(2 * attributeTypes.size());
        return this;
    }

    // ---- Password algorithms ----

    public StunMessageWriter passwordAlgorithms(List<PasswordAlgorithmEntry> algorithms) {
        requireStage(Stage.ATTRIBUTES);
        long valueLength = 0;
        for (PasswordAlgorithmEntry entry : algorithms) {
            valueLength += entryLength(entry);
        }
        if (valueLength > MAX_ATTRIBUTES_LENGTH) {
            throw new IllegalArgumentException("PASSWORD-ALGORITHMS value of " + valueLength + " bytes does not fit a STUN message");
        }
        beginAttribute(AttributeType.PASSWORD_ALGORITHMS, (int) valueLength);
        for (PasswordAlgorithmEntry entry : algorithms) {
            writeEntry(entry);
        }
        return this;
    }

    public StunMessageWriter passwordAlgorithm(PasswordAlgorithmEntry algorithm) {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(AttributeType.PASSWORD_ALGORITHM, entryLength(algorithm));
        writeEntry(algorithm);
        return this;
    }

    private static int entryLength(PasswordAlgorithmEntry entry) {
        requireUnsigned16("password algorithm", entry.algorithm());
        requireUnsigned16("password algorithm parameter length", entry.parameterLength());
        return 4 + StunMessage.padded(entry.parameterLength());
    }

    private void writeEntry(PasswordAlgorithmEntry entry) {
        byte[] parameters = entry.parameters();
        out.putShort((short) entry.algorithm());
        out.putShort((short) parameters.length);
        out.put(parameters);
        pad(parameters.length);
    }

    // ---- Numbers and flags ----

    /** LIFETIME in seconds, 0 to 2^32-1. */
    public StunMessageWriter lifetime(long seconds) {
        requireStage(Stage.ATTRIBUTES);
        if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("LIFETIME " + seconds + " does not fit 32 unsigned bits");
        }
        beginAttribute(AttributeType.LIFETIME, 4);
        out.putInt((int) seconds);
        return this;
    }

    /** CHANNEL-NUMBER, any 16-bit value (so tests can encode out-of-range numbers). */
    public StunMessageWriter channelNumber(int channelNumber) {
        requireStage(Stage.ATTRIBUTES);
        requireUnsigned16("channel number", channelNumber);
        beginAttribute(AttributeType.CHANNEL_NUMBER, 4);
        out.putShort((short) channelNumber);
        out.putShort((short) 0);
        return this;
    }

    /** REQUESTED-TRANSPORT with an IP protocol number (17 = UDP). */
    public StunMessageWriter requestedTransport(int protocol) {
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("IP protocol number " + protocol + " does not fit 8 bits");
        }
        return byteThenReserved(AttributeType.REQUESTED_TRANSPORT, protocol);
    }

    public StunMessageWriter requestedAddressFamily(AddressFamily family) {
        return byteThenReserved(AttributeType.REQUESTED_ADDRESS_FAMILY, family.code());
    }

    public StunMessageWriter additionalAddressFamily(AddressFamily family) {
        return byteThenReserved(AttributeType.ADDITIONAL_ADDRESS_FAMILY, family.code());
    }

    private StunMessageWriter byteThenReserved(int type, int value) {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(type, 4);
        out.put((byte) value);
        out.put((byte) 0);
        out.putShort((short) 0);
        return this;
    }

    public StunMessageWriter evenPort(boolean reserveNext) {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(AttributeType.EVEN_PORT, 1);
        out.put((byte) (reserveNext ? 0x80 : 0));
        pad(1);
        return this;
    }

    public StunMessageWriter reservationToken(long token) {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(AttributeType.RESERVATION_TOKEN, 8);
        out.putLong(token);
        return this;
    }

    public StunMessageWriter dontFragment() {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(AttributeType.DONT_FRAGMENT, 0);
        return this;
    }

    public StunMessageWriter icmp(int type, int code, int errorData) {
        requireStage(Stage.ATTRIBUTES);
        if (type < 0 || type > 0xFF || code < 0 || code > 0xFF) {
            throw new IllegalArgumentException("ICMP type and code must fit 8 bits each");
        }
        beginAttribute(AttributeType.ICMP, 8);
        out.putShort((short) 0);
        out.put((byte) type);
        out.put((byte) code);
        out.putInt(errorData);
        return this;
    }

    // ---- Opaque values ----

    /** DATA with {@code length} bytes of {@code source} from absolute index {@code offset}. */
    public StunMessageWriter data(ByteBuffer source, int offset, int length) {
        requireStage(Stage.ATTRIBUTES);
        Objects.checkFromIndexSize(offset, length, source.limit());
        beginAttribute(AttributeType.DATA, length);
        ByteBuffer payload = source.duplicate();
        payload.limit(offset + length).position(offset);
        out.put(payload);
        pad(length);
        return this;
    }

    public StunMessageWriter data(byte[] source, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, source.length);
        return rawValue(AttributeType.DATA, source, offset, length);
    }

    /** Any attribute as raw bytes, for tests and for attributes this codec does not model. */
    public StunMessageWriter rawAttribute(int type, byte[] value) {
        requireUnsigned16("attribute type", type);
        return rawValue(type, value, 0, value.length);
    }

    private StunMessageWriter rawValue(int type, byte[] value, int offset, int length) {
        requireStage(Stage.ATTRIBUTES);
        beginAttribute(type, length);
        out.put(value, offset, length);
        pad(length);
        return this;
    }

    // ---- Integrity and finishing ----

    /** Appends MESSAGE-INTEGRITY (HMAC-SHA1 over the message so far, RFC 8489 §14.5). */
    public Signed messageIntegrity(byte[] key) {
        requireStage(Stage.ATTRIBUTES);
        appendIntegrity(AttributeType.MESSAGE_INTEGRITY, MessageIntegrity.Algorithm.SHA1, key);
        stage = Stage.SIGNED_SHA1;
        return new Signed();
    }

    /** Appends a full 32-byte MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6). */
    public Signed messageIntegritySha256(byte[] key) {
        requireStage(Stage.ATTRIBUTES);
        appendIntegrity(AttributeType.MESSAGE_INTEGRITY_SHA256, MessageIntegrity.Algorithm.SHA256, key);
        stage = Stage.SIGNED_SHA256;
        return new Signed();
    }

    private void appendIntegrity(int type, MessageIntegrity.Algorithm algorithm, byte[] key) {
        Objects.requireNonNull(key, "key");
        int attributeOffset = out.position();
        byte[] mac = MessageIntegrity.compute(algorithm, key, out, start, attributeOffset, algorithm.length());
        beginAttribute(type, algorithm.length());
        out.put(mac);
    }

    /** Writes the length and returns the message's total length in bytes. */
    public int finish() {
        requireStage(Stage.ATTRIBUTES);
        return complete(false);
    }

    /** Appends FINGERPRINT, writes the length and returns the total length in bytes. */
    public int finishWithFingerprint() {
        requireStage(Stage.ATTRIBUTES);
        return complete(true);
    }

    private int complete(boolean withFingerprint) {
        if (withFingerprint) {
            int attributeOffset = out.position();
            int fingerprint = Fingerprint.compute(out, start, attributeOffset);
            beginAttribute(AttributeType.FINGERPRINT, Fingerprint.VALUE_LENGTH);
            out.putInt(fingerprint);
        }
        int total = out.position() - start;
        out.putShort(start + 2, (short) (total - StunMessage.HEADER_LENGTH));
        stage = Stage.FINISHED;
        return total;
    }

    /**
     * Checks room in the 16-bit length field, then writes the attribute header. The buffer's own
     * capacity is left to the puts, which throw BufferOverflowException as documented.
     */
    private void beginAttribute(int type, int valueLength) {
        int attributesSoFar = out.position() - start - StunMessage.HEADER_LENGTH;
        long after = (long) attributesSoFar + StunMessage.ATTRIBUTE_HEADER_LENGTH + StunMessage.padded(valueLength);
        if (valueLength > 0xFFFF || after > MAX_ATTRIBUTES_LENGTH) {
            throw new IllegalArgumentException(AttributeType.name(type) + " of " + valueLength
                    + " bytes does not fit the 16-bit length of a STUN message");
        }
        out.putShort((short) type);
        out.putShort((short) valueLength);
    }

    private void pad(int valueLength) {
        for (int i = valueLength; i % 4 != 0; i++) {
            out.put((byte) 0);
        }
    }

    private static void requireUnsigned16(String what, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(what + " " + value + " does not fit 16 bits");
        }
    }

    private void requireStage(Stage expected) {
        if (stage != expected) {
            throw new IllegalStateException(stage == Stage.FINISHED
                    ? "this message is finished; start a new writer"
                    : "integrity is already added; only FINGERPRINT or SHA-256 integrity may follow (use the Signed stage)");
        }
    }

    /** A message that carries integrity: only FINGERPRINT (or, after SHA-1 integrity, SHA-256 integrity) may follow. */
    public final class Signed {
        private Signed() {}

        /** MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY, as RFC 8489 allows. */
        public Signed messageIntegritySha256(byte[] key) {
            if (stage != Stage.SIGNED_SHA1) {
                throw new IllegalStateException(stage == Stage.FINISHED
                        ? "this message is finished; start a new writer"
                        : "MESSAGE-INTEGRITY-SHA256 is already present");
            }
            appendIntegrity(AttributeType.MESSAGE_INTEGRITY_SHA256, MessageIntegrity.Algorithm.SHA256, key);
            stage = Stage.SIGNED_SHA256;
            return this;
        }

        public int finish() {
            requireSigned();
            return complete(false);
        }

        public int finishWithFingerprint() {
            requireSigned();
            return complete(true);
        }

        private void requireSigned() {
            if (stage == Stage.FINISHED) {
                throw new IllegalStateException("this message is finished; start a new writer");
            }
        }
    }
}
