package io.turnrelay.transport.nio;

import io.turnrelay.core.stun.AddressFamily;
import java.nio.channels.DatagramChannel;
import org.jspecify.annotations.Nullable;

/**
 * The sockets a transport was asked to bind, by local port and family. A dual-stack socket (IPv6,
 * bound to the wildcard) serves both families of its port: Java cannot set IPV6_V6ONLY, and on Linux
 * such a socket also holds the IPv4 port, so a wildcard bind of either family uses one.
 */
final class PortSockets {
    private static final int PORTS = 65_536;
    private final @Nullable DatagramChannel[] ipv4 = new DatagramChannel[PORTS];
    private final @Nullable DatagramChannel[] ipv6 = new DatagramChannel[PORTS];
    private final boolean[] ipv4DualStack = new boolean[PORTS];
    private final boolean[] ipv6DualStack = new boolean[PORTS];

    /** True when {@code family} was bound on {@code port} (and not closed since). */
    boolean isBound(int port, AddressFamily family) {
        return slot(port, family) != null;
    }

    /** The socket that sends and receives {@code family} on {@code port}, or null. */
    @Nullable DatagramChannel socketFor(int port, AddressFamily family) {
        DatagramChannel own = slot(port, family);
        if (own != null) {
            return own;
        }
        AddressFamily other = other(family);
        return isDualStack(port, other) ? slot(port, other) : null;
    }

    /** The other family's dual-stack socket on {@code port}, which can serve {@code family} too, or null. */
    @Nullable DatagramChannel dualStackSocket(int port, AddressFamily family) {
        AddressFamily other = other(family);
        return isDualStack(port, other) ? slot(port, other) : null;
    }

    void put(int port, AddressFamily family, DatagramChannel channel, boolean dualStack) {
        if (family == AddressFamily.IPV4) {
            ipv4[port] = channel;
            ipv4DualStack[port] = dualStack;
        } else {
            ipv6[port] = channel;
            ipv6DualStack[port] = dualStack;
        }
    }

    /** Forgets the binding and returns its socket when no other binding still uses it (the caller closes it). */
    @Nullable DatagramChannel remove(int port, AddressFamily family) {
        DatagramChannel channel = slot(port, family);
        put(port, family, null, false);
        if (channel == null || slot(port, other(family)) == channel) {
            return null;
        }
        return channel;
    }

    private @Nullable DatagramChannel slot(int port, AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4[port] : ipv6[port];
    }

    private boolean isDualStack(int port, AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4DualStack[port] : ipv6DualStack[port];
    }

    private static AddressFamily other(AddressFamily family) {
        return family == AddressFamily.IPV4 ? AddressFamily.IPV6 : AddressFamily.IPV4;
    }
}
