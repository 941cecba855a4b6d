package io.turnrelay.core.turn;

import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.TransactionId;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Encodes the server's responses and Data indications into one reused scratch buffer and hands out an
 * exact-size copy: SOFTWARE first on every success and signed error response, then the caller's attributes,
 * then integrity (the request's kind, under the request's key) and FINGERPRINT when asked for. Unsigned error
 * responses (challenges, 400s to strangers) leave SOFTWARE out: they go to unverified source addresses, and
 * every byte there is reflection amplification (see AmplificationTest).
 */
final class ResponseBuilder {
    // Room for a Data indication carrying the largest UDP payload.
    private final ByteBuffer scratch = ByteBuffer.allocate(66 * 1024);
    private final @Nullable String software;

    ResponseBuilder(@Nullable String software) {
        this.software = software;
    }

    StunMessageWriter startResponse(boolean success, boolean signed, int method, TransactionId transactionId) {
        scratch.clear();
        StunMessageWriter writer = StunMessageWriter.start(scratch,
                success ? StunClass.SUCCESS_RESPONSE : StunClass.ERROR_RESPONSE, method, transactionId);
        if (software != null && (success || signed)) {
            writer.software(software);
        }
        return writer;
    }

    StunMessageWriter startIndication(int method, TransactionId transactionId) {
        scratch.clear();
        return StunMessageWriter.start(scratch, StunClass.INDICATION, method, transactionId);
    }

    byte[] seal(StunMessageWriter writer, @Nullable Credentials signer, boolean fingerprint) {
        int length;
        if (signer != null) {
            StunMessageWriter.Signed signed = signer.sha256Integrity()
                    ? writer.messageIntegritySha256(signer.key())
                    : writer.messageIntegrity(signer.key());
            length = fingerprint ? signed.finishWithFingerprint() : signed.finish();
        } else {
            length = fingerprint ? writer.finishWithFingerprint() : writer.finish();
        }
        return Arrays.copyOf(scratch.array(), length);
    }
}
