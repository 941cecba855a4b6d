package io.turnrelay.api.tls;

import java.util.Objects;

/**
 * What {@link TlsCredentials#reload()} did, for a log line or a metric.
 *
 * @param message for {@link Status#FAILED} the reason in the form {@code "<file>: <reason>"}, otherwise a
 *     short account of what is served now
 */
public record ReloadResult(Status status, String message) {

    public enum Status {
        /** The files hold what is already served. */
        UNCHANGED,
        /** New handshakes get the new material; established connections keep theirs. */
        RELOADED,
        /** The files could not be used; the previous material is still served. */
        FAILED
    }

    public ReloadResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return status + ": " + message;
    }
}
