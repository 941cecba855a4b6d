package io.turnrelay.cli.portal;

import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What the portal client needs. {@code apiUrl} is the base URL (http/ws or https/wss); the client connects to
 * {@code <apiUrl>/relay/websocket?name=..&ipv4=..&ipv6=..&port=..}. The token is sent only in the
 * {@code X-Authorization: Bearer} header and never appears in {@link #toString()} or logs.
 */
public record PortalSettings(
        URI apiUrl,
        String token,
        @Nullable String name,
        @Nullable String publicIpv4,
        @Nullable String publicIpv6,
        int listenPort,
        String stampSecretHex,
        String userAgent,
        Timings timings) {

    /**
     * The protocol's timings; tests shorten them. Production values: {@link #PRODUCTION}.
     *
     * @param joinTimeout reply to phx_join (5 s)
     * @param heartbeatInterval heartbeat period (10 s); more than {@code maxUnansweredHeartbeats} (3) unanswered means reconnect
     * @param initialRetryInterval before the first join: constant retry interval (1 s) ...
     * @param initialRetryBudget ... for this long in total (15 s), then fatal
     * @param backoffInitial after a join: exponential backoff from this (0.5 s), x{@code backoffMultiplier} (1.5), capped at
     *     {@code backoffMax} (60 s), with jitter, until {@code maxOutage} (24 h) of cumulative delay, then fatal
     */
    public record Timings(
            Duration joinTimeout,
            Duration heartbeatInterval,
            int maxUnansweredHeartbeats,
            Duration initialRetryInterval,
            Duration initialRetryBudget,
            Duration backoffInitial,
            double backoffMultiplier,
            Duration backoffMax,
            Duration maxOutage) {}

    public static final Timings PRODUCTION = new Timings(
            Duration.ofSeconds(5), Duration.ofSeconds(10), 3, Duration.ofSeconds(1), Duration.ofSeconds(15),
            Duration.ofMillis(500), 1.5, Duration.ofSeconds(60), Duration.ofHours(24));

    @Override
    public String toString() {
        return "PortalSettings[apiUrl=" + apiUrl + ", name=" + name + ", ipv4=" + publicIpv4 + ", ipv6=" + publicIpv6
                + ", port=" + listenPort + ", token=<redacted>]";
    }
}
