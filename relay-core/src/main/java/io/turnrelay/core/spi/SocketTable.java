package io.turnrelay.core.spi;

import io.turnrelay.core.stun.AddressFamily;
import org.jspecify.annotations.Nullable;

/**
 * The sockets a transport was asked to bind, by local port and family, for transports to share. A
 * dual-stack socket (IPv6, bound to the wildcard) serves both families of its port: Java cannot set
 * IPV6_V6ONLY, and on Linux such a socket also holds the IPv4 port, so a wildcard bind of either family
 * uses one. Used on one thread only.
 *
 * @param <S> the transport's socket type
 */
public final class SocketTable<S> {
    private static final int PORTS = 65_536;
    private final @Nullable Object[] ipv4 = new Object[PORTS];
    private final @Nullable Object[] ipv6 = new Object[PORTS];
    private final boolean[] ipv4DualStack = new boolean[PORTS];
    private final boolean[] ipv6DualStack = new boolean[PORTS];

    /** True when {@code family} was bound on {@code port} (and not closed since). */
    public boolean isBound(int port, AddressFamily family) {
        return slot(port, family) != null;
    }

    /** The socket that sends and receives {@code family} on {@code port}, or null. */
    public @Nullable S socketFor(int port, AddressFamily family) {
        S own = slot(port, family);
        if (own != null) {
            return own;
        }
        AddressFamily other = other(family);
        return isDualStack(port, other) ? slot(port, other) : null;
    }

    /** The other family's dual-stack socket on {@code port}, which can serve {@code family} too, or null. */
    public @Nullable S dualStackSocket(int port, AddressFamily family) {
        AddressFamily other = other(family);
        return isDualStack(port, other) ? slot(port, other) : null;
    }

    public void put(int port, AddressFamily family, @Nullable S channel, boolean dualStack) {
        if (family == AddressFamily.IPV4) {
            ipv4[port] = channel;
            ipv4DualStack[port] = dualStack;
        } else {
            ipv6[port] = channel;
            ipv6DualStack[port] = dualStack;
        }
    }

    /** Every distinct socket in the table, for closing them all. */
    public java.util.Set<S> sockets() {
        java.util.Set<S> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int port = 0; port < PORTS; port++) {
            addIfPresent(all, slot(port, AddressFamily.IPV4));
            addIfPresent(all, slot(port, AddressFamily.IPV6));
        }
        return all;
    }

    private static <S> void addIfPresent(java.util.Set<S> all, @Nullable S socket) {
        if (socket != null) {
            all.add(socket);
        }
    }

    /** Forgets the binding and returns its socket when no other binding still uses it (the caller closes it). */
    public @Nullable S remove(int port, AddressFamily family) {
        S channel = slot(port, family);
        put(port, family, null, false);
        if (channel == null || slot(port, other(family)) == channel) {
            return null;
        }
        return channel;
    }

    @SuppressWarnings("unchecked") // only put() stores, and only S
    private @Nullable S slot(int port, AddressFamily family) {
        return (S) (family == AddressFamily.IPV4 ? ipv4[port] : ipv6[port]);
    }

    private boolean isDualStack(int port, AddressFamily family) {
        return family == AddressFamily.IPV4 ? ipv4DualStack[port] : ipv6DualStack[port];
    }

    private static AddressFamily other(AddressFamily family) {
        return family == AddressFamily.IPV4 ? AddressFamily.IPV6 : AddressFamily.IPV4;
    }
}
