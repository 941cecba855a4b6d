package io.turnrelay.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Ports on loopback for tests: a free UDP or TCP one, and waiting until a released UDP one can be bound again. */
public final class LoopbackPorts {
    private static final int TIMEOUT_MS = 5_000;

    private LoopbackPorts() {}

    /** A UDP port that was free on 127.0.0.1 a moment ago. */
    public static int freePort() throws IOException {
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Whether every UDP port from {@code lowest} to {@code highest} on 127.0.0.1 could be bound a moment ago. */
    public static boolean allBindable(int lowest, int highest) {
        for (int port = lowest; port <= highest; port++) {
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                assertThat(probe.getLocalPort()).isEqualTo(port);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** A TCP port that was free on 127.0.0.1 a moment ago (e.g. for an HTTP endpoint). */
    public static int freeTcpPort() throws IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** A port that was free for both UDP and TCP on 127.0.0.1 a moment ago (a relay listens on both by default). */
    public static int freeUdpAndTcpPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                    java.net.ServerSocket tcp = new java.net.ServerSocket()) {
                tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()), 1);
                return udp.getLocalPort();
            } catch (java.net.BindException e) {
                // Taken for TCP: another one.
            }
        }
        throw new IOException("no port free for both UDP and TCP on loopback");
    }

    /** Waits, within the test timeout, until a TCP listener can bind {@code address} again. */
    public static void assertTcpBindableWithinTimeout(InetSocketAddress address) throws InterruptedException {
        awaitBindable("TCP", address, () -> {
            try (java.net.ServerSocket rebound = new java.net.ServerSocket()) {
                rebound.setReuseAddress(true);
                rebound.bind(address, 1);
                return rebound.getLocalPort();
            }
        });
    }

    /**
     * Some selectors free a closed socket's port only at their next selection, a moment later: wait for that,
     * within the test timeout.
     */
    public static void assertBindableWithinTimeout(InetSocketAddress address) throws InterruptedException {
        awaitBindable("UDP", address, () -> {
            try (DatagramSocket rebound = new DatagramSocket(address)) {
                return rebound.getLocalPort();
            }
        });
    }

    private interface Bind {
        int boundPort() throws IOException;
    }

    private static void awaitBindable(String protocol, InetSocketAddress address, Bind bind) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        IOException last = null;
        do {
            try {
                assertThat(bind.boundPort()).isEqualTo(address.getPort());
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(10); // polling interval of a bounded wait, not synchronisation
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError(protocol + " port " + address + " still bound after " + TIMEOUT_MS + " ms", last);
    }
}
