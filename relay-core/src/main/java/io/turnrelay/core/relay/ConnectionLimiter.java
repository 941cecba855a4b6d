package io.turnrelay.core.relay;

import io.turnrelay.core.spi.CloseReason;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The connection caps of one relay, shared by its workers: at most {@code perIp} stream connections from one client
 * IP address and {@code total} over all listeners. Thread-safe; touched once per accept and once per close, never
 * when relaying.
 */
final class ConnectionLimiter {
    private final int perIp;
    private final int total;
    private final Map<InetAddress, Integer> byIp = new HashMap<>();
    private int open;

    ConnectionLimiter(int perIp, int total) {
        this.perIp = perIp;
        this.total = total;
    }

    /** Counts a connection from {@code ip} in; the reason it is refused instead, or null when admitted. */
    synchronized @Nullable CloseReason admit(InetAddress ip) {
        if (open >= total) {
            return CloseReason.CONNECTION_LIMIT;
        }
        int fromIp = byIp.getOrDefault(ip, 0);
        if (fromIp >= perIp) {
            return CloseReason.PER_IP_LIMIT;
        }
        byIp.put(ip, fromIp + 1);
        open++;
        return null;
    }

    /** An admitted connection from {@code ip} ended. */
    synchronized void release(InetAddress ip) {
        Integer fromIp = byIp.get(ip);
        if (fromIp == null) {
            return;
        }
        if (fromIp == 1) {
            byIp.remove(ip);
        } else {
            byIp.put(ip, fromIp - 1);
        }
        open--;
    }

    synchronized int open() {
        return open;
    }
}
