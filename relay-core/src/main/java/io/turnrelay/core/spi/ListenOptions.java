package io.turnrelay.core.spi;

import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.tls.TlsCredentials;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a transport opens one {@link io.turnrelay.api.ClientListener}.
 *
 * @param reusePort set SO_REUSEPORT (where supported) so the listeners of several workers share the address
 * @param streams limits for the connections of a TCP or TLS listener
 * @param tls the certificate a TLS listener (or a TCP listener that detects TLS) presents; its key material can be
 *     reloaded while the listener runs, and new handshakes then use the new one
 */
public record ListenOptions(boolean reusePort, StreamSettings streams, @Nullable TlsCredentials tls) {

    public ListenOptions {
        Objects.requireNonNull(streams, "streams");
    }

    /** Not shared, default stream limits, no TLS. */
    public static ListenOptions defaults() {
        return new ListenOptions(false, StreamSettings.defaults(), null);
    }
}
