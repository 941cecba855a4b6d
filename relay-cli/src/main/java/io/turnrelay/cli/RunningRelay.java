package io.turnrelay.cli;

import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.cli.ops.DrainMetrics;
import io.turnrelay.cli.ops.OperationsServer;
import io.turnrelay.cli.ops.TlsMetrics;
import io.turnrelay.cli.portal.PortalClient;
import io.turnrelay.cli.portal.PortalListener;
import io.turnrelay.core.relay.ShardedRelay;
import io.turnrelay.xdp.XdpException;
import io.turnrelay.xdp.XdpOffload;
import io.turnrelay.xdp.XdpSettings;
import io.turnrelay.xdp.XdpSupport;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay process's moving parts, started in order (relay, operations HTTP, portal, statistics log, certificate
 * reloads) and stopped in reverse by {@link #stop()}.
 */
final class RunningRelay {
    private static final Logger LOG = LoggerFactory.getLogger(RunningRelay.class);
    private static final long STATS_PERIOD_SECONDS = 10;

    private final Relay relay;
    private final @Nullable XdpOffload xdp;
    private final OperationsServer operations;
    private final @Nullable PortalClient portal;
    private final StatsReporter reporter;
    private final @Nullable CertificateReloader reloader;
    private final CompletableFuture<String> fatal;
    private final @Nullable Duration drainDeadline;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean serving = true;
    private volatile DrainMetrics drainMetrics = DrainMetrics.NOT_DRAINING;
    private boolean stopped;

    private RunningRelay(Relay relay, @Nullable XdpOffload xdp, OperationsServer operations, @Nullable PortalClient portal, StatsReporter reporter,
            @Nullable CertificateReloader reloader, CompletableFuture<String> fatal, @Nullable Duration drainDeadline) {
        this.relay = relay;
        this.xdp = xdp;
        this.operations = operations;
        this.portal = portal;
        this.reporter = reporter;
        this.reloader = reloader;
        this.fatal = fatal;
        this.drainDeadline = drainDeadline;
    }

    /** Starts the relay and its endpoints (the portal follows in {@link #startPortal()}); on a bad setting undoes what it started and throws. */
    static RunningRelay start(RelaySetup setup) throws ConfigurationException {
        XdpOffload xdp = attachXdp(setup);
        Relay relay = new ShardedRelay(xdp == null ? setup.relayConfig() : setup.relayConfig(xdp), setup.transport(), null);
        try {
            relay.start();
        } catch (RelayStartException e) {
            relay.close();
            if (xdp != null) {
                xdp.close();
            }
            throw ConfigurationException.fromRelaySetting(String.valueOf(e.getMessage()), e);
        }
        CompletableFuture<String> fatal = new CompletableFuture<>();
        PortalClient portal = setup.portal() == null ? null : new PortalClient(setup.portal(), new PortalListener() {
            @Override
            public void onJoined() {
                LOG.info("Joined the portal");
            }

            @Override
            public void onDisconnected(String reason) {
                LOG.warn("Lost the portal connection ({}); reconnecting, relaying continues", reason);
            }

            @Override
            public void onFatal(String reason) {
                // The portal client has logged why; the main thread logs the stop and exits non-zero.
                fatal.complete(reason);
            }
        });
        RunningRelay[] self = new RunningRelay[1];
        TlsCredentials tls = setup.relayConfig().tls();
        CertificateReloader reloader = tls == null ? null : new CertificateReloader(tls, setup.tlsReloadInterval());
        OperationsServer operations;
        try {
            operations = OperationsServer.start(setup.healthCheckAddress(),
                    () -> self[0] != null && self[0].serving, () -> portal == null ? null : portal.state(), relay::stats,
                    () -> reloader == null ? null : tlsMetrics(reloader),
                    () -> self[0] == null ? DrainMetrics.NOT_DRAINING : self[0].drainMetrics,
                    () -> xdp == null ? null : xdp.statistics(), setup.topUsers());
        } catch (IOException e) {
            if (reloader != null) {
                reloader.close();
            }
            relay.close();
            if (xdp != null) {
                xdp.close();
            }
            throw new ConfigurationException("--health-check-addr",
                    "cannot listen on " + setup.healthCheckAddress() + " (" + e.getMessage() + ")", e);
        }
        self[0] = new RunningRelay(relay, xdp, operations, portal, new StatsReporter(relay, STATS_PERIOD_SECONDS, xdp != null), reloader, fatal,
                setup.drainDeadline());
        return self[0];
    }

    /** The XDP data plane attached as --xdp asks, or null without it; when it cannot be, the reason is the relay's exit message. */
    private static @Nullable XdpOffload attachXdp(RelaySetup setup) throws ConfigurationException {
        XdpSettings settings = setup.xdp();
        if (settings == null) {
            return null;
        }
        XdpSupport support = XdpOffload.support();
        if (!support.available()) {
            throw new ConfigurationException("--xdp", support.reason());
        }
        try {
            return XdpOffload.attach(settings);
        } catch (XdpException e) {
            throw new ConfigurationException("--xdp", String.valueOf(e.getMessage()), e);
        }
    }

    /** The XDP data plane, or null when the relay runs without one. */
    @Nullable XdpOffload xdp() {
        return xdp;
    }

    /** Starts joining the portal in the background, when a token is configured; relaying does not wait for it. */
    void startPortal() {
        if (portal != null) {
            portal.start();
        }
    }

    Relay relay() {
        return relay;
    }

    OperationsServer operations() {
        return operations;
    }

    private static TlsMetrics tlsMetrics(CertificateReloader reloader) {
        CertificateReloader.Counts counts = reloader.counts();
        return new TlsMetrics(reloader.credentials().notAfter().getEpochSecond(), counts.reloaded(), counts.unchanged(), counts.failed());
    }

    /** Reloads the TLS certificate files in the background (SIGHUP); without TLS only says so. */
    void reloadCertificate(String trigger) {
        if (reloader == null) {
            LOG.info("{}: no TLS certificate is configured, nothing to reload", trigger);
        } else {
            reloader.requestReload(trigger);
        }
    }

    /**
     * Drains (SIGUSR1): not ready from now on, new allocations refused (redirected to an alternate where one is
     * configured), existing ones go on until they end or the drain deadline passes; then {@link #drained()} completes.
     * Unlike {@link #stop()} it leaves the portal connection alone: the relay still serves its allocations.
     */
    synchronized void drain(String trigger) {
        if (stopped) {
            return;
        }
        long left = relay.stats().allocations();
        if (relay.draining()) {
            LOG.info("{}: already draining, {} allocation(s) left", trigger, left);
            return;
        }
        serving = false;
        Instant deadlineAt = drainDeadline == null ? null : Instant.now().plus(drainDeadline);
        drainMetrics = new DrainMetrics(true, deadlineAt == null ? 0 : deadlineAt.getEpochSecond());
        LOG.info("{}: draining: /readyz says 503 and new allocations are refused; waiting for {} allocation(s) to end{}", trigger, left,
                deadlineAt == null ? "" : ", until " + deadlineAt + " at most (--drain-deadline)");
        relay.drain(drainDeadline == null ? ChronoUnit.FOREVER.getDuration() : drainDeadline).whenComplete((done, failure) -> drained.complete(null));
    }

    /** Completes once a drain has no allocation left (the last ended, or the deadline deleted the rest). */
    CompletableFuture<Void> drained() {
        return drained;
    }

    /** Completes with the reason when the portal client gives up. */
    CompletableFuture<String> fatal() {
        return fatal;
    }

    /** Not ready any more, portal left, allocations deleted and sockets closed, endpoints down. Idempotent. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        serving = false;
        reporter.close();
        if (reloader != null) {
            reloader.close();
        }
        if (portal != null) {
            closeQuietly("portal client", portal);
        }
        closeQuietly("relay", relay);
        // After the relay, whose shutdown withdraws every channel first; the kernel would detach it at exit anyway.
        if (xdp != null) {
            closeQuietly("XDP data plane", xdp);
        }
        operations.close();
    }

    private static void closeQuietly(String what, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception | Error e) {
            LOG.warn("Closing the {} failed: {}", what, e.toString());
        }
    }
}
