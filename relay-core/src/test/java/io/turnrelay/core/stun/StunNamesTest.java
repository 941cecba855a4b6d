package io.turnrelay.core.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names, reason phrases and the transaction id value type. */
class StunNamesTest {
    private static final int[] KNOWN_TYPES = {
        0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x000C, 0x000D, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0017,
        0x0018, 0x0019, 0x001A, 0x001C, 0x001D, 0x001E, 0x0020, 0x0022, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004,
        0x8022, 0x8023, 0x8028};

    @Test
    void everyKnownAttributeHasItsRfcName() {
        Set<String> names = new HashSet<>();
        for (int type : KNOWN_TYPES) {
            assertThat(AttributeType.isKnown(type)).as("0x%04x", type).isTrue();
            assertThat(names.add(AttributeType.name(type))).isTrue();
        }
        assertThat(AttributeType.name(AttributeType.XOR_MAPPED_ADDRESS)).isEqualTo("XOR-MAPPED-ADDRESS");
        assertThat(AttributeType.name(AttributeType.MESSAGE_INTEGRITY_SHA256)).isEqualTo("MESSAGE-INTEGRITY-SHA256");
        assertThat(AttributeType.name(0x1234)).isEqualTo("0x1234");
        assertThat(AttributeType.isKnown(0x0024)).isFalse();
        assertThat(AttributeType.isKnown(0x8029)).isFalse();
        assertThat(AttributeType.isComprehensionRequired(0x7FFF)).isTrue();
        assertThat(AttributeType.isComprehensionRequired(0x8000)).isFalse();
    }

    @Test
    void methodNames() {
        assertThat(StunMethod.name(StunMethod.ALLOCATE)).isEqualTo("allocate");
        assertThat(StunMethod.name(StunMethod.CHANNEL_BIND)).isEqualTo("channel-bind");
        assertThat(StunMethod.name(0xABC)).isEqualTo("0x0abc");
    }

    @Test
    void defaultReasonPhrases() {
        assertThat(ErrorCode.defaultReason(437)).isEqualTo("Allocation Mismatch");
        assertThat(ErrorCode.defaultReason(401)).isEqualTo("Unauthenticated");
        assertThat(ErrorCode.defaultReason(508)).isEqualTo("Insufficient Capacity");
        assertThat(ErrorCode.defaultReason(599)).isEqualTo("Error");
    }

    @Test
    void transactionIdIsACopiedValue() {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 0xFF};
        TransactionId id = TransactionId.of(bytes);
        bytes[0] = 99;
        assertThat(id.toBytes()[0]).isEqualTo((byte) 1);
        assertThat(id).isEqualTo(TransactionId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 0xFF}));
        assertThat(id.hashCode()).isEqualTo(TransactionId.of(id.toBytes()).hashCode());
        assertThat(id).isNotEqualTo(TransactionId.of(new byte[12]));
        assertThat(id.toString()).isEqualTo("0102030405060708090a0bff");
        id.toBytes()[1] = 0;
        assertThat(id.toBytes()[1]).isEqualTo((byte) 2);
        assertThatThrownBy(() -> TransactionId.of(new byte[11])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void passwordAlgorithmEntriesCompareByContent() {
        byte[] parameters = {1, 2};
        PasswordAlgorithmEntry entry = new PasswordAlgorithmEntry(7, parameters);
        parameters[0] = 9;
        assertThat(entry).isEqualTo(new PasswordAlgorithmEntry(7, new byte[] {1, 2}));
        assertThat(entry.hashCode()).isEqualTo(new PasswordAlgorithmEntry(7, new byte[] {1, 2}).hashCode());
        assertThat(entry).isNotEqualTo(new PasswordAlgorithmEntry(8, new byte[] {1, 2}));
        assertThat(PasswordAlgorithmEntry.of(PasswordAlgorithmEntry.MD5).parameters()).isEmpty();
    }
}
