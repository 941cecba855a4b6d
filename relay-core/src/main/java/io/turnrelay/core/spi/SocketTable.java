package io.turnrelay.core.spi;

import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
    private static final InetAddress WILDCARD_IPV6 = wildcardIpv6();
    private final @Nullable Object[] ipv4 = new Object[PORTS];
    private final @Nullable Object[] ipv6 = new Object[PORTS];
    private final boolean[] ipv4DualStack = new boolean[PORTS];
    private final boolean[] ipv6DualStack = new boolean[PORTS];

    /** Opens one socket of a transport, bound to {@code local}. */
    @FunctionalInterface
    public interface SocketOpener<S> {
        /**
         * A new socket bound to {@code local}, of {@code family} (an IPv6 socket bound to the wildcard is
         * dual-stack); null when the address is in use.
         */
        @Nullable S open(AddressFamily family, InetSocketAddress local) throws IOException;
    }

    /**
     * Binds {@code family} on {@code port} at {@code bindAddress} and records it. A specific address gets a socket
     * of its own family. A wildcard gets the port's dual-stack socket, opening one if needed, or else, where
     * IPv6 is unavailable or a specific IPv6 socket holds the port, a plain IPv4 socket. Returns the socket, or
     * null when the address is in use.
     */
    public @Nullable S bind(int port, AddressFamily family, InetAddress bindAddress, SocketOpener<S> opener) throws IOException {
        if (!bindAddress.isAnyLocalAddress()) {
            return record(port, family, opener.open(family, new InetSocketAddress(bindAddress, port)), false);
        }
        S shared = dualStackSocket(port, family);
        if (shared != null) {
            return record(port, family, shared, true);
        }
        S dual = null;
        try {
            dual = opener.open(AddressFamily.IPV6, new InetSocketAddress(WILDCARD_IPV6, port));
        } catch (IOException | UnsupportedOperationException e) {
            if (family == AddressFamily.IPV6) {
                throw e;
            }
        }
        if (dual != null || family == AddressFamily.IPV6) {
            return record(port, family, dual, true);
        }
        return record(port, family, opener.open(AddressFamily.IPV4, new InetSocketAddress(bindAddress, port)), false);
    }

    private @Nullable S record(int port, AddressFamily family, @Nullable S socket, boolean dualStack) {
        if (socket != null) {
            put(port, family, socket, dualStack);
        }
        return socket;
    }

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

    private static InetAddress wildcardIpv6() {
        try {
            return InetAddress.getByAddress(new byte[16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("16 bytes are an IPv6 address", e);
        }
    }

    private static AddressFamily other(AddressFamily family) {
        return family == AddressFamily.IPV4 ? AddressFamily.IPV6 : AddressFamily.IPV4;
    }
}
