package io.turnrelay.bench;

import io.turnrelay.api.LongTermCredential;
import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Heap bytes a {@link TurnServer} retains per allocation with one permission and one channel.
 *
 * <p>Drives the sans-IO server in process: N clients (distinct addresses) each Allocate with long-term
 * credentials and ChannelBind to a distinct peer, which also installs the permission. Heap used after
 * {@code System.gc()} is read before and after; the difference divided by N is the footprint. Usage:
 * {@code java -cp benchmarks.jar io.turnrelay.bench.AllocationFootprint [N]} (default 10000, at most 16000).
 */
public final class AllocationFootprint {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret";
    private static final String REALM = "turnrelay";

    private final TurnServer server;
    private final ByteBuffer request = ByteBuffer.allocate(1500);
    private final SplittableRandom random = new SplittableRandom(1);
    private final byte[] key = LongTermCredential.ofPassword(PASSWORD).key(PasswordAlgorithm.MD5, USER, REALM);
    private long now = 1_000_000_000L;
    private StunMessage lastResponse;

    private AllocationFootprint(TurnServer server) {
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        TurnServerConfig config = TurnServerConfig.builder()
                .realm(REALM)
                .portRange(40000, 55999)
                .publicIpv4(InetAddress.getByName("192.0.2.1"))
                .authenticator(new StaticUsersAuthenticator(Map.of(USER, PASSWORD)))
                .peerPolicy(PeerAddressPolicy.builder().allowPrivate(true).build())
                .unixClock(() -> 1_800_000_000L)
                .maxAllocationsPerUser(n + 1)
                .build();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AllocationFootprint driver = new AllocationFootprint(new TurnServer(config, new SplittableRandom(7)));
        // One allocation first, so classes, code paths and lazily built tables are not counted per allocation.
        driver.allocateWithChannel(0);
        long before = settledHeapUsed(memory);
        for (int i = 1; i <= n; i++) {
            driver.allocateWithChannel(i);
        }
        long after = settledHeapUsed(memory);
        var stats = driver.server.stats();
        if (stats.allocations() != n + 1 || stats.channels() != n + 1 || stats.permissions() != n + 1) {
            throw new IllegalStateException("expected " + (n + 1) + " allocations, channels and permissions, got " + stats.allocations()
                    + " / " + stats.channels() + " / " + stats.permissions());
        }
        System.out.printf("allocation-footprint: allocations=%d heap_before=%d heap_after=%d bytes_per_allocation=%d jdk=%s gc=%s%n",
                n, before, after, (after - before) / n, Runtime.version(),
                ManagementFactory.getGarbageCollectorMXBeans().get(0).getName());
        // Keeps the server reachable until after the measurement.
        System.out.println("(server still holds " + driver.server.stats().allocations() + " allocations)");
    }

    private static long settledHeapUsed(MemoryMXBean memory) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private void allocateWithChannel(int index) throws Exception {
        InetSocketAddress client = new InetSocketAddress(
                InetAddress.getByAddress(new byte[] {10, 1, (byte) (index >> 8), (byte) index}), 50_000 + (index & 0x3FF));
        InetSocketAddress peer = new InetSocketAddress(
                InetAddress.getByAddress(new byte[] {10, 2, (byte) (index >> 8), (byte) index}), 60_000);
        send(client, StunMethod.ALLOCATE, null, w -> w.requestedTransport(17));
        String nonce = lastResponse.nonce();
        send(client, StunMethod.ALLOCATE, nonce, w -> w.requestedTransport(17));
        send(client, StunMethod.CHANNEL_BIND, nonce, w -> w.channelNumber(0x4000).xorPeerAddress(peer));
        if (lastResponse.messageClass() != StunClass.SUCCESS_RESPONSE) {
            throw new IllegalStateException("ChannelBind failed for client " + index + ": " + lastResponse.errorCode());
        }
    }

    private void send(InetSocketAddress client, int method, String nonce, Consumer<StunMessageWriter> attributes) throws Exception {
        byte[] id = new byte[TransactionId.LENGTH];
        random.nextBytes(id);
        request.clear();
        StunMessageWriter writer = StunMessageWriter.start(request, StunClass.REQUEST, method, TransactionId.of(id));
        attributes.accept(writer);
        int length = nonce == null
                ? writer.finishWithFingerprint()
                : writer.username(USER).realm(REALM).nonce(nonce).messageIntegrity(key).finishWithFingerprint();
        now += 1_000_000L;
        server.handleClientMessage(BenchRelayFixture.link(client), request, 0, length, now);
        for (TurnCommand command; (command = server.pollCommand()) != null; ) {
            if (command instanceof TurnCommand.BindRelaySocket bind) {
                server.handleRelaySocketBound(bind.port(), bind.family(), now);
            } else if (command instanceof TurnCommand.SendToClient response) {
                lastResponse = StunMessage.parse(response.message(), 0, response.message().length);
            }
        }
    }
}
