package io.turnrelay.api.tls;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A certificate or key file cannot serve TLS. The message is one line, {@code "<file>: <reason>"}, e.g.
 * {@code "/etc/turn/cert.pem: no certificate in the file"}, so a command line tool can print it as it is.
 */
public final class TlsCredentialsException extends Exception {
    private static final long serialVersionUID = 1L;

    // Path is not Serializable; the message keeps the name through serialization.
    private final transient Path file;
    private final String reason;

    TlsCredentialsException(Path file, String reason) {
        this(file, reason, null);
    }

    TlsCredentialsException(Path file, String reason, @Nullable Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    /** The file at fault, as it was given. */
    public Path file() { return file; }

    /** What is wrong with it, without the file name. */
    public String reason() { return reason; }
}
