package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.turnrelay.api.tls.ReloadResult;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CertificateReloaderTest {
    @TempDir
    static Path certificates;
    private static TestCertificates ca;
    private static TestCertificates.Leaf first;
    private static TestCertificates.Leaf second;
    private static TestCertificates.Leaf renewed;

    @TempDir
    Path live;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing(); // takes the thread name now, on the logging thread
            super.append(event);
        }
    };
    private final Logger logger = (Logger) LoggerFactory.getLogger(CertificateReloader.class);
    private CertificateReloader reloader;

    @BeforeAll
    static void issue() {
        ca = TestCertificates.newCa(certificates.resolve("ca"));
        first = ca.issue(certificates.resolve("first"));
        second = ca.issue(certificates.resolve("second"));
        renewed = ca.renew(first, certificates.resolve("renewed"), Instant.now().minus(Duration.ofHours(1)), 90);
    }

    @BeforeEach
    void capture() {
        log.start();
        logger.addAppender(log);
        logger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void release() {
        if (reloader != null) {
            reloader.close();
        }
        logger.detachAppender(log);
        logger.setLevel(null);
    }

    private TlsCredentials serve(TestCertificates.Leaf leaf) throws Exception {
        install(leaf);
        return TlsCredentials.fromPem(live.resolve("chain.pem"), live.resolve("key.pem"));
    }

    private void install(TestCertificates.Leaf leaf) throws Exception {
        Files.copy(leaf.chainPem(), live.resolve("chain.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(leaf.keyPem(), live.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void eachOutcomeIsLoggedAtItsLevelAndCounted() throws Exception {
        TlsCredentials tls = serve(first);
        reloader = new CertificateReloader(tls, Duration.ZERO);

        assertThat(reloader.reload("SIGHUP").status()).isEqualTo(ReloadResult.Status.UNCHANGED);
        assertThat(last().getLevel()).isEqualTo(Level.DEBUG);

        install(second);
        assertThat(reloader.reload("SIGHUP").status()).isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(tls.certificateChain().get(0)).isEqualTo(second.certificate());
        assertThat(last().getLevel()).isEqualTo(Level.INFO);
        assertThat(last().getFormattedMessage()).contains("SIGHUP").contains("CN=localhost")
                .contains(second.certificate().getNotAfter().toInstant().toString());

        Files.writeString(live.resolve("chain.pem"), "-----BEGIN CERTIFICATE-----\nhalf-writ");
        assertThat(reloader.reload("file check").status()).isEqualTo(ReloadResult.Status.FAILED);
        assertThat(tls.certificateChain().get(0)).as("the old certificate stays").isEqualTo(second.certificate());
        assertThat(last().getLevel()).isEqualTo(Level.WARN);
        assertThat(last().getFormattedMessage()).contains("file check").contains(live.resolve("chain.pem").toString())
                .contains("still serving");

        assertThat(reloader.counts()).isEqualTo(new CertificateReloader.Counts(1, 1, 1));
    }

    @Test
    void theFilesAreCheckedEveryInterval() throws Exception {
        TlsCredentials tls = serve(first);
        reloader = new CertificateReloader(tls, Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reloader.counts().unchanged()).isPositive());
        // A renewal keeps the key: only the chain file changes, so no check can see half of it.
        Files.copy(renewed.chainPem(), live.resolve("chain.pem"), StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reloader.counts().reloaded()).isEqualTo(1));
        assertThat(tls.certificateChain().get(0)).isEqualTo(renewed.certificate());
        assertThat(reloader.counts().failed()).isZero();
    }

    @Test
    void aRequestedReloadRunsOnTheReloadThread() throws Exception {
        TlsCredentials tls = serve(first);
        reloader = new CertificateReloader(tls, Duration.ZERO);
        install(second);
        reloader.requestReload("SIGHUP");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reloader.counts().reloaded()).isEqualTo(1));
        assertThat(log.list).filteredOn(e -> e.getLevel() == Level.INFO).singleElement()
                .satisfies(e -> assertThat(e.getThreadName()).isEqualTo("relay-tls-reload"));
        assertThat(tls.generation()).isEqualTo(2);
    }

    @Test
    void closingStopsTheChecksAndRefusesRequestsQuietly() throws Exception {
        TlsCredentials tls = serve(first);
        reloader = new CertificateReloader(tls, Duration.ofMillis(100));
        reloader.close();
        install(second);
        reloader.requestReload("SIGHUP");
        assertThat(reloader.reload("check").status()).as("an explicit call still works").isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(reloader.counts().reloaded()).isEqualTo(1);
    }

    private ILoggingEvent last() {
        List<ILoggingEvent> events = log.list;
        assertThat(events).isNotEmpty();
        return events.get(events.size() - 1);
    }
}
