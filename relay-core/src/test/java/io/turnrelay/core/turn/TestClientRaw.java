package io.turnrelay.core.turn;

import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Requests a well-behaved client would not send. */
final class TestClientRaw {
    private TestClientRaw() {}

    /** A signed Refresh carrying REALM and NONCE but neither USERNAME nor USERHASH. */
    static byte[] signedWithoutUsername(TestClient client) {
        ByteBuffer out = ByteBuffer.allocate(512);
        StunMessageWriter writer = StunMessageWriter.start(out, StunClass.REQUEST, StunMethod.REFRESH, client.newTransactionId());
        writer.realm(client.realm);
        writer.nonce(client.nonce);
        int length = writer.messageIntegrity(client.key()).finish();
        return Arrays.copyOf(out.array(), length);
    }
}
