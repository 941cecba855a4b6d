package io.turnrelay.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §5: N concurrent TCP clients and N TLS clients held on one relay (NIO, in a child process), each with an
 * allocation, on loopback; the heap per connection measured and bounded. N is 10,000 where the descriptor limit allows
 * it (the relay's process needs about 4N: a connection and a relay socket per client; {@code .ci/run} raises the limit
 * where it may), otherwise as many as fit, and the test says so. Connections are opened four at a time.
 */
class ConnectionFootprintTest {
    private static final int WANTED = 10_000;
    /**
     * Measured on JDK 17 (G1, TLS 1.3, EC P-256 certificate): about 2.3 KiB of relay heap per TCP client and 7.9 KiB
     * per TLS client, each including its allocation and relay socket (relay-bench/README.md, "TCP and TLS clients").
     * The bounds leave room for other JDKs and collectors.
     */
    private static final long TCP_BOUND = 4 * 1024;
    private static final long TLS_BOUND = 10 * 1024;

    @Test
    void holdsManyTcpAndTlsClientsAtOnceWithBoundedHeapPerConnection() throws Exception {
        long hard = ChildJvm.hardFileLimit();
        int n = hard < 0 ? WANTED : ConnectionFootprint.connectionsFitting(hard, WANTED);
        long ownLimit = ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertThat(ownLimit).as("this JVM holds the 2N client connections").isGreaterThanOrEqualTo(ConnectionFootprint.clientFilesNeeded(n));
        if (n < WANTED) {
            System.out.println("ConnectionFootprintTest: the descriptor limit (" + hard + ") fits " + n + " TCP and " + n
                    + " TLS clients, not " + WANTED + " each (the relay needs about 4N); raise ulimit -Hn to "
                    + ConnectionFootprint.relayFilesNeeded(WANTED) + " for the full count");
        }
        ConnectionFootprint.Options options = ConnectionFootprint.Options.parse(new String[] {
            "--connections", Integer.toString(n), "--workers", "2", "--setup-threads", "4"});
        long start = System.nanoTime();

        ConnectionFootprint.Result result = ConnectionFootprint.measure(options);

        System.out.printf("%s (%.0f s in all)%n", result.line(), (System.nanoTime() - start) / 1e9);
        assertThat(result.allHeld()).as("2N + 2 allocations on as many connections at once: " + result.line()).isTrue();
        assertThat(result.newcomers()).as("a new UDP, TCP and TLS client each Allocate on the full relay").isTrue();
        assertThat(result.tcpBytesPerConnection()).as("relay heap per TCP client with its allocation").isPositive().isLessThan(TCP_BOUND);
        assertThat(result.tlsBytesPerConnection()).as("relay heap per TLS client with its allocation").isPositive().isLessThan(TLS_BOUND);
    }
}
