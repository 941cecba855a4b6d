package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads everything a decoded message offers, for tests that feed the decoder hostile input: every accessor
 * must answer without throwing, and every attribute value and DATA must lie inside the bytes given.
 */
public final class EveryAccessor {
    private EveryAccessor() {}

    /**
     * @param lowestValueOffset the smallest absolute index an attribute value may start at
     * @param valuesEnd the absolute index no attribute value may pass
     */
    public static void read(StunMessage message, int lowestValueOffset, int valuesEnd, byte[] sha1Key, byte[] sha256Key) {
        message.messageClass();
        message.method();
        message.transactionId().toString();
        for (int i = 0; i < message.attributeCount(); i++) {
            message.has(message.attributeType(i));
            int offset = message.attributeValueOffset(i);
            int length = message.attributeValueLength(i);
            assertThat(offset).as("attribute %d starts inside the message", i).isGreaterThanOrEqualTo(lowestValueOffset);
            assertThat(offset + length).as("attribute %d inside the buffer", i).isLessThanOrEqualTo(valuesEnd);
        }
        message.unknownComprehensionRequiredAttributes();
        message.mappedAddress();
        message.xorMappedAddress();
        message.xorPeerAddresses();
        message.xorRelayedAddresses();
        message.alternateServer();
        message.username();
        message.userhash();
        message.realm();
        message.nonce();
        message.software();
        message.alternateDomain();
        message.errorCode();
        message.unknownAttributes();
        message.passwordAlgorithms();
        message.passwordAlgorithm();
        message.lifetime();
        message.channelNumber();
        message.requestedTransport();
        message.requestedAddressFamily();
        message.requestedAddressFamilyCode();
        message.additionalAddressFamily();
        message.additionalAddressFamilyCode();
        message.hasEvenPort();
        message.evenPortReserveNext();
        message.reservationToken();
        message.dontFragment();
        if (message.hasData()) {
            assertThat(message.dataOffset() + message.dataLength()).isLessThanOrEqualTo(valuesEnd);
        }
        message.addressErrorCode();
        message.icmp();
        message.hasMessageIntegrity();
        message.hasMessageIntegritySha256();
        message.hasFingerprint();
        message.verifyMessageIntegrity(sha1Key);
        message.verifyMessageIntegritySha256(sha256Key);
        message.verifyFingerprint();
        assertThat(message.toString()).isNotEmpty();
    }
}
