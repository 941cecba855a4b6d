package io.turnrelay.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The process's open-file limit against what the connection caps need: every TCP or TLS connection is a file
 * descriptor, and so is every relay port's socket (two per port for the IPv4 and IPv6 ones), plus a few for
 * listeners, selectors, logs and the operations endpoint.
 */
final class FileDescriptorLimit {
    /** Listeners, selectors, the operations endpoint, logs, jars: what the process holds besides clients. */
    static final int SPARE = 64;

    private FileDescriptorLimit() {}

    /**
     * The limit of this process (the soft {@code RLIMIT_NOFILE}, which the JVM raises to the hard one where it
     * may), or empty where the JDK cannot tell (no {@code jdk.management} module, not a Unix system).
     */
    static OptionalLong current() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                long limit = unix.getMaxFileDescriptorCount();
                return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management is not in this runtime, or the platform will not say: nothing to warn about.
        }
        return OptionalLong.empty();
    }

    /** --max-connections, two per relay port, and {@link #SPARE}. */
    static long needed(int maxConnections, int relayPorts) {
        return maxConnections + 2L * relayPorts + SPARE;
    }

    /** The warning to log when {@code limit} is below {@link #needed}, or null when it is enough. */
    static @Nullable String warning(long limit, int maxConnections, int relayPorts) {
        long needed = needed(maxConnections, relayPorts);
        if (limit >= needed) {
            return null;
        }
        return "The open-file limit is " + limit + ", below the " + needed + " the limits need (--max-connections " + maxConnections
                + " + 2 per relay port x " + relayPorts + " + " + SPARE + " spare): connections and allocations beyond it fail."
                + " Raise it with 'ulimit -n " + needed + "' before starting, or LimitNOFILE=" + needed + " in the systemd unit;"
                + " or lower --max-connections or the relay port range";
    }
}
