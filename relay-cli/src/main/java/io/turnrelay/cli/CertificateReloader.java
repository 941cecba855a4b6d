package io.turnrelay.cli;

import io.turnrelay.api.tls.ReloadResult;
import io.turnrelay.api.tls.TlsCredentials;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the TLS certificate files on request (SIGHUP) and every {@code interval}, on a daemon thread of its own
 * ({@code relay-tls-reload}), since reading files must never happen on a relay thread. New TLS handshakes get
 * what a reload brought; established connections keep their certificate. Logs RELOADED at INFO, FAILED at WARN
 * (the previous certificate stays) and UNCHANGED at DEBUG, and counts each for {@code /metrics}.
 */
final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final TlsCredentials credentials;
    private final ScheduledExecutorService thread;
    private final AtomicLong reloaded = new AtomicLong();
    private final AtomicLong unchanged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /** Counts of reload outcomes since start. */
    record Counts(long reloaded, long unchanged, long failed) {}

    /** {@code interval} zero: reloads on {@link #requestReload} only. */
    CertificateReloader(TlsCredentials credentials, Duration interval) {
        this.credentials = credentials;
        this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread reloader = new Thread(task, "relay-tls-reload");
            reloader.setDaemon(true);
            return reloader;
        });
        if (!interval.isZero()) {
            long millis = interval.toMillis();
            thread.scheduleWithFixedDelay(() -> reload("file check"), millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Reloads soon on the reload thread; returns at once, so a signal handler may call it. */
    void requestReload(String trigger) {
        try {
            thread.execute(() -> reload(trigger));
        } catch (RejectedExecutionException e) {
            // Stopping: the certificate no longer matters.
        }
    }

    /** Reads the files now, on the calling thread, and logs and counts the outcome. */
    ReloadResult reload(String trigger) {
        ReloadResult result = credentials.reload();
        switch (result.status()) {
            case RELOADED -> {
                reloaded.incrementAndGet();
                LOG.info("Reloaded the TLS certificate ({}): {}; new connections get it", trigger, result.message());
            }
            case FAILED -> {
                failed.incrementAndGet();
                LOG.warn("Could not reload the TLS certificate ({}), still serving {}: {}", trigger, RelayCli.certificate(credentials),
                        result.message());
            }
            case UNCHANGED -> {
                unchanged.incrementAndGet();
                LOG.debug("TLS certificate files unchanged ({})", trigger);
            }
        }
        return result;
    }

    Counts counts() {
        return new Counts(reloaded.get(), unchanged.get(), failed.get());
    }

    TlsCredentials credentials() {
        return credentials;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
