package io.turnrelay.core.spi;

import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.api.tls.TlsCredentialsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * One test CA and server certificate (for 127.0.0.1, ::1 and localhost) per test JVM, made on first use: keytool
 * takes seconds, and every TLS test of a module can share them.
 */
public final class TestTls {
    private static TestCertificates.@Nullable Leaf leaf;

    private TestTls() {}

    public static synchronized TestCertificates.Leaf leaf() {
        TestCertificates.Leaf made = leaf;
        if (made == null) {
            try {
                made = TestCertificates.create(Files.createTempDirectory("turnrelay-test-tls"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            leaf = made;
        }
        return made;
    }

    /** Credentials of the shared certificate, as a relay loads them. */
    public static TlsCredentials credentials() {
        try {
            return TlsCredentials.fromPem(leaf().chainPem(), leaf().keyPem());
        } catch (TlsCredentialsException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that trusts the test CA only. */
    public static SSLContext clientContext() {
        return leaf().clientContextTrustingCa();
    }

    /** Where the CA's PEM file is, e.g. to install it into a browser's trust store. */
    public static Path caPem() {
        return leaf().caPem();
    }
}
