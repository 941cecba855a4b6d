package io.turnrelay.cli;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.offload.OffloadCounters;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one INFO line every period: allocations, channels, packets/bytes per second each way (with XDP, what the relay
 * relayed itself and what the kernel relayed), open TCP and TLS connections.
 */
final class StatsReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsReporter.class);

    private final Relay relay;
    private final boolean xdp;
    private final ScheduledExecutorService scheduler;
    private RelayStats previous;
    private long previousNanos;

    /** @param xdp whether the relay has the XDP data plane, whose rates the line then shows too */
    StatsReporter(Relay relay, long periodSeconds, boolean xdp) {
        this.relay = relay;
        this.xdp = xdp;
        this.previous = relay.stats();
        this.previousNanos = System.nanoTime();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "relay-stats");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleAtFixedRate(this::report, periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    private void report() {
        try {
            RelayStats now = relay.stats();
            long nanos = System.nanoTime();
            double seconds = Math.max(1e-3, (nanos - previousNanos) / 1e9);
            LOG.info(line(previous, now, seconds, xdp));
            previous = now;
            previousNanos = nanos;
        } catch (RuntimeException e) {
            LOG.warn("Could not read the relay's statistics: {}", e.toString());
        }
    }

    // StringBuilder, not String.format: the formatter's first %f loads the JDK's locale data (about a hundred
    // classes and a burst of compilation), which stalled the relay threads for milliseconds at the first report.
    static String line(RelayStats before, RelayStats now, double seconds, boolean xdp) {
        StringBuilder line = new StringBuilder(260)
                .append("allocations=").append(now.allocations())
                .append(" channels=").append(now.channels())
                .append(" permissions=").append(now.permissions())
                .append(" client->peer ").append(perSecond(now.packetsClientToPeer() - before.packetsClientToPeer(), seconds))
                .append(" pkt/s ").append(perSecond(now.bytesClientToPeer() - before.bytesClientToPeer(), seconds))
                .append(" B/s, peer->client ").append(perSecond(now.packetsPeerToClient() - before.packetsPeerToClient(), seconds))
                .append(" pkt/s ").append(perSecond(now.bytesPeerToClient() - before.bytesPeerToClient(), seconds)).append(" B/s");
        if (xdp) {
            OffloadCounters was = before.offloaded();
            OffloadCounters is = now.offloaded();
            line.append(", xdp client->peer ").append(perSecond(is.packetsClientToPeer() - was.packetsClientToPeer(), seconds))
                    .append(" pkt/s ").append(perSecond(is.bytesClientToPeer() - was.bytesClientToPeer(), seconds))
                    .append(" B/s, xdp peer->client ").append(perSecond(is.packetsPeerToClient() - was.packetsPeerToClient(), seconds))
                    .append(" pkt/s ").append(perSecond(is.bytesPeerToClient() - was.bytesPeerToClient(), seconds)).append(" B/s");
        }
        return line.append(", connections tcp=").append(now.of(ClientTransport.TCP).connectionsOpen())
                .append(" tls=").append(now.of(ClientTransport.TLS).connectionsOpen())
                .toString();
    }

    private static long perSecond(long delta, double seconds) {
        return Math.round(delta / seconds);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
