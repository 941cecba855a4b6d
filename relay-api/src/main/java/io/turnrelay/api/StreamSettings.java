package io.turnrelay.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits for clients on TCP and TLS connections (RFC 8656 §21 asks servers to bound what a connection may hold).
 * Defaults follow coturn and eturnal where they have one, with a larger send queue than coturn's 32 KiB, which
 * loses video key-frame bursts (coturn#1289).
 *
 * @param sendQueueBytes relayed and control bytes a connection may have waiting to be written; relayed frames
 *     that do not fit are dropped whole, a response that does not fit closes the connection
 * @param tlsHandshakeTimeout from accept to a finished TLS handshake
 * @param allocateTimeout from connect (or from the end of the connection's last allocation) to a successful
 *     Allocate; a connection that holds no allocation for this long is closed
 * @param partialFrameTimeout how long a connection may hold an incomplete message (slowloris)
 * @param sendStallTimeout how long a connection's send queue may stay non-empty without the client reading
 * @param maxConnectionsPerIp connections from one client IP address at once (NAT-friendly; many users may
 *     share an address)
 * @param maxConnections connections at once over all listeners and workers
 */
public record StreamSettings(
        int sendQueueBytes,
        Duration tlsHandshakeTimeout,
        Duration allocateTimeout,
        Duration partialFrameTimeout,
        Duration sendStallTimeout,
        int maxConnectionsPerIp,
        int maxConnections) {

    public static final int DEFAULT_SEND_QUEUE_BYTES = 256 * 1024;
    /** The smallest send queue: one largest STUN message and one largest padded ChannelData frame. */
    public static final int MIN_SEND_QUEUE_BYTES = 2 * 65_552;

    public StreamSettings {
        Objects.requireNonNull(tlsHandshakeTimeout, "tlsHandshakeTimeout");
        Objects.requireNonNull(allocateTimeout, "allocateTimeout");
        Objects.requireNonNull(partialFrameTimeout, "partialFrameTimeout");
        Objects.requireNonNull(sendStallTimeout, "sendStallTimeout");
        if (sendQueueBytes < MIN_SEND_QUEUE_BYTES) {
            throw new IllegalArgumentException("sendQueueBytes: must be at least " + MIN_SEND_QUEUE_BYTES + " (two largest messages), not " + sendQueueBytes);
        }
        requirePositive("tlsHandshakeTimeout", tlsHandshakeTimeout);
        requirePositive("allocateTimeout", allocateTimeout);
        requirePositive("partialFrameTimeout", partialFrameTimeout);
        requirePositive("sendStallTimeout", sendStallTimeout);
        if (maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("maxConnectionsPerIp: must be at least 1, not " + maxConnectionsPerIp);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: must be at least 1, not " + maxConnections);
        }
    }

    /** 256 KiB send queue, 10 s TLS handshake, 30 s to Allocate, 10 s partial frame, 10 s stalled send, 64 per IP, 100,000 in all. */
    public static StreamSettings defaults() {
        return new StreamSettings(DEFAULT_SEND_QUEUE_BYTES, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(10), 64, 100_000);
    }

    public StreamSettings withSendQueueBytes(int bytes) {
        return new StreamSettings(bytes, tlsHandshakeTimeout, allocateTimeout, partialFrameTimeout, sendStallTimeout, maxConnectionsPerIp, maxConnections);
    }

    public StreamSettings withTimeouts(Duration tlsHandshake, Duration allocate, Duration partialFrame, Duration sendStall) {
        return new StreamSettings(sendQueueBytes, tlsHandshake, allocate, partialFrame, sendStall, maxConnectionsPerIp, maxConnections);
    }

    public StreamSettings withConnectionLimits(int perIp, int total) {
        return new StreamSettings(sendQueueBytes, tlsHandshakeTimeout, allocateTimeout, partialFrameTimeout, sendStallTimeout, perIp, total);
    }

    private static void requirePositive(String setting, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(setting + ": must be positive, not " + value);
        }
    }
}
