package io.turnrelay.core.turn;

import io.turnrelay.core.stun.StunMessage;

/** Raw views of decoded messages for assertions. */
final class TurnHarnessBytes {
    private TurnHarnessBytes() {}

    static byte[] transactionId(StunMessage message) {
        return message.transactionId().toBytes();
    }
}
