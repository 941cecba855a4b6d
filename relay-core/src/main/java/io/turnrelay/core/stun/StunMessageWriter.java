package io.turnrelay.core.stun;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

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
 */
public final class StunMessageWriter {

    public static StunMessageWriter start(ByteBuffer out, StunClass messageClass, int method, TransactionId transactionId) {
        throw new UnsupportedOperationException("codec skeleton");
    }

    public StunMessageWriter mappedAddress(InetSocketAddress address) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter xorMappedAddress(InetSocketAddress address) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter xorPeerAddress(InetSocketAddress address) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter xorRelayedAddress(InetSocketAddress address) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter alternateServer(InetSocketAddress address) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter username(String username) { throw new UnsupportedOperationException("codec skeleton"); }

    /** USERHASH: exactly 32 bytes. */
    public StunMessageWriter userhash(byte[] userhash) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter realm(String realm) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter nonce(String nonce) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter software(String software) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter alternateDomain(String domain) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter errorCode(int code, String reason) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter unknownAttributes(List<Integer> attributeTypes) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter passwordAlgorithms(List<PasswordAlgorithmEntry> algorithms) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter passwordAlgorithm(PasswordAlgorithmEntry algorithm) { throw new UnsupportedOperationException("codec skeleton"); }

    /** LIFETIME in seconds, 0 to 2^32-1. */
    public StunMessageWriter lifetime(long seconds) { throw new UnsupportedOperationException("codec skeleton"); }

    /** CHANNEL-NUMBER, any 16-bit value (so tests can encode out-of-range numbers). */
    public StunMessageWriter channelNumber(int channelNumber) { throw new UnsupportedOperationException("codec skeleton"); }

    /** REQUESTED-TRANSPORT with an IP protocol number (17 = UDP). */
    public StunMessageWriter requestedTransport(int protocol) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter requestedAddressFamily(AddressFamily family) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter additionalAddressFamily(AddressFamily family) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter evenPort(boolean reserveNext) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter reservationToken(long token) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter dontFragment() { throw new UnsupportedOperationException("codec skeleton"); }

    /** DATA with {@code length} bytes of {@code source} from absolute index {@code offset}. */
    public StunMessageWriter data(ByteBuffer source, int offset, int length) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter data(byte[] source, int offset, int length) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter addressErrorCode(AddressFamily family, int code, String reason) { throw new UnsupportedOperationException("codec skeleton"); }

    public StunMessageWriter icmp(int type, int code, int errorData) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Any attribute as raw bytes, for tests and for attributes this codec does not model. */
    public StunMessageWriter rawAttribute(int type, byte[] value) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Appends MESSAGE-INTEGRITY (HMAC-SHA1 over the message so far, RFC 8489 §14.5). */
    public Signed messageIntegrity(byte[] key) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Appends a full 32-byte MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6). */
    public Signed messageIntegritySha256(byte[] key) { throw new UnsupportedOperationException("codec skeleton"); }

    /** Writes the length and returns the message's total length in bytes. */
    public int finish() { throw new UnsupportedOperationException("codec skeleton"); }

    /** Appends FINGERPRINT, writes the length and returns the total length in bytes. */
    public int finishWithFingerprint() { throw new UnsupportedOperationException("codec skeleton"); }

    /** A message that carries integrity: only FINGERPRINT (or, after SHA-1 integrity, SHA-256 integrity) may follow. */
    public final class Signed {
        private Signed() {}

        /** MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY, as RFC 8489 allows. */
        public Signed messageIntegritySha256(byte[] key) { throw new UnsupportedOperationException("codec skeleton"); }

        public int finish() { throw new UnsupportedOperationException("codec skeleton"); }

        public int finishWithFingerprint() { throw new UnsupportedOperationException("codec skeleton"); }
    }
}
