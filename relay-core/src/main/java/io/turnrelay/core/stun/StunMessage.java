package io.turnrelay.core.stun;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
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

    /** Decodes the bytes from {@code datagram.position()} to {@code limit()}; leaves position and limit alone. */
    public static StunMessage parse(ByteBuffer datagram) throws StunDecodeException {
        throw new UnsupportedOperationException("codec skeleton");
    }

    /** Decodes {@code length} bytes of {@code array} starting at {@code offset}, without copying them. */
    public static StunMessage parse(byte[] array, int offset, int length) throws StunDecodeException {
        throw new UnsupportedOperationException("codec skeleton");
    }

    public StunClass messageClass() { throw new UnsupportedOperationException("codec skeleton"); }

    /** The 12-bit method, see {@link StunMethod}. */
    public int method() { throw new UnsupportedOperationException("codec skeleton"); }

    public TransactionId transactionId() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Bytes of the whole message, header included. */
    public int length() { throw new UnsupportedOperationException("codec skeleton"); }

    // ---- Raw attribute access (visible attributes only, in wire order) ----

    public int attributeCount() { throw new UnsupportedOperationException("codec skeleton"); }

    public int attributeType(int index) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Absolute index in {@link #buffer()} of the attribute's value. */
    public int attributeValueOffset(int index) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Unpadded length of the attribute's value. */
    public int attributeValueLength(int index) { throw new UnsupportedOperationException("codec skeleton"); }

    /** The underlying buffer (do not modify it while this view is in use). */
    public ByteBuffer buffer() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean has(int attributeType) { throw new UnsupportedOperationException("codec skeleton"); }

    /**
     * Comprehension-required attribute types ({@code < 0x8000}) this codec does not know, in order,
     * without duplicates: the server answers 420 listing them in UNKNOWN-ATTRIBUTES.
     */
    public List<Integer> unknownComprehensionRequiredAttributes() { throw new UnsupportedOperationException("codec skeleton"); }

    // ---- Typed accessors ----

    public @Nullable InetSocketAddress mappedAddress() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable InetSocketAddress xorMappedAddress() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Every XOR-PEER-ADDRESS, in order (CreatePermission may carry several). */
    public List<InetSocketAddress> xorPeerAddresses() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Every XOR-RELAYED-ADDRESS, in order (a dual-stack allocation has two). */
    public List<InetSocketAddress> xorRelayedAddresses() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable InetSocketAddress alternateServer() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable String username() { throw new UnsupportedOperationException("codec skeleton"); }

    /** The 32-byte USERHASH value, copied. */
    public byte @Nullable [] userhash() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable String realm() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable String nonce() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable String software() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable String alternateDomain() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable ErrorCode errorCode() { throw new UnsupportedOperationException("codec skeleton"); }

    /** The attribute types listed in UNKNOWN-ATTRIBUTES. */
    public List<Integer> unknownAttributes() { throw new UnsupportedOperationException("codec skeleton"); }

    public List<PasswordAlgorithmEntry> passwordAlgorithms() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable PasswordAlgorithmEntry passwordAlgorithm() { throw new UnsupportedOperationException("codec skeleton"); }

    /** LIFETIME in seconds (an unsigned 32-bit value). */
    public OptionalLong lifetime() { throw new UnsupportedOperationException("codec skeleton"); }

    /** CHANNEL-NUMBER's 16-bit number, whatever its range; range checks are the server's. */
    public OptionalInt channelNumber() { throw new UnsupportedOperationException("codec skeleton"); }

    /** REQUESTED-TRANSPORT's IP protocol number (17 for UDP). */
    public OptionalInt requestedTransport() { throw new UnsupportedOperationException("codec skeleton"); }

    /**
     * REQUESTED-ADDRESS-FAMILY. A family byte other than 0x01/0x02 is not a decode error here (the
     * server must answer 440): {@link #requestedAddressFamilyCode()} gives the raw byte.
     */
    public @Nullable AddressFamily requestedAddressFamily() { throw new UnsupportedOperationException("codec skeleton"); }

    /** The raw family byte of REQUESTED-ADDRESS-FAMILY. */
    public OptionalInt requestedAddressFamilyCode() { throw new UnsupportedOperationException("codec skeleton"); }

    /** ADDITIONAL-ADDRESS-FAMILY; same rule as {@link #requestedAddressFamily()}. */
    public @Nullable AddressFamily additionalAddressFamily() { throw new UnsupportedOperationException("codec skeleton"); }

    public OptionalInt additionalAddressFamilyCode() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean hasEvenPort() { throw new UnsupportedOperationException("codec skeleton"); }

    /** The R bit of EVEN-PORT: also reserve the next-higher port. False when EVEN-PORT is absent. */
    public boolean evenPortReserveNext() { throw new UnsupportedOperationException("codec skeleton"); }

    /** RESERVATION-TOKEN's 8 bytes as a big-endian long. */
    public OptionalLong reservationToken() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean dontFragment() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean hasData() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Absolute index in {@link #buffer()} of DATA's value; -1 when absent. */
    public int dataOffset() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Length of DATA's value; -1 when absent. */
    public int dataLength() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable AddressErrorCode addressErrorCode() { throw new UnsupportedOperationException("codec skeleton"); }

    public @Nullable Icmp icmp() { throw new UnsupportedOperationException("codec skeleton"); }

    // ---- Integrity and fingerprint ----

    public boolean hasMessageIntegrity() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean hasMessageIntegritySha256() { throw new UnsupportedOperationException("codec skeleton"); }

    public boolean hasFingerprint() { throw new UnsupportedOperationException("codec skeleton"); }

    /**
     * Checks MESSAGE-INTEGRITY (HMAC-SHA1) with the long-term or short-term key, adjusting the length
     * field as RFC 8489 §14.5 says; constant-time comparison. False when the attribute is absent.
     */
    public boolean verifyMessageIntegrity(byte[] key) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Checks MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), including truncated (16..32 byte) values. */
    public boolean verifyMessageIntegritySha256(byte[] key) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Checks FINGERPRINT (CRC-32 of everything before it, XOR 0x5354554E). False when absent. */
    public boolean verifyFingerprint() { throw new UnsupportedOperationException("codec skeleton"); }
}
