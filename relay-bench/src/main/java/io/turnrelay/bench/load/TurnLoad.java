package io.turnrelay.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * TURN load generator: C allocations, one channel each to an echo peer, ChannelData echoed back.
 *
 * <p>Run {@code java -cp relay-bench/target/benchmarks.jar io.turnrelay.bench.load.TurnLoad --help}.
 * Each frame carries client index, sequence number and send time ({@code System.nanoTime}), so the
 * round trip is measured from the payload. Only frames sent inside the measured window count. The
 * data phase runs on one thread with one selector over all client sockets: with {@code --rate 0}
 * it is closed loop (each client keeps a bounded window in flight and sends one frame per echo),
 * otherwise it paces frames to the target rate. The final line on stdout is machine-readable.
 */
public final class TurnLoad {
    static final int CHANNEL = 0x4000;
    static final int STAMP_BYTES = 16;
    static final double MAX_DURATION_SECONDS = 120;

    private final LoadOptions options;
    private int nextClientPort;

    private TurnLoad(LoadOptions options) {
        this.options = options;
        this.nextClientPort = options.clientBasePort;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("turnload-java: " + e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(LoadOptions.USAGE);
            return;
        }
        System.exit(new TurnLoad(options).run(System.out));
    }

    /** Runs with parsed options; prints the result line to {@code out}; returns the exit status. */
    static int run(LoadOptions options, PrintStream out) throws Exception {
        return new TurnLoad(options).run(out);
    }

    private int run(PrintStream out) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(options.server), options.port);
        EchoPeer ownPeer = options.peer == null ? new EchoPeer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)) : null;
        InetSocketAddress peer = ownPeer != null ? ownPeer.address() : options.peer;
        List<TurnClient> clients = new ArrayList<>(options.clients);
        try {
            long setupStart = System.nanoTime();
            if (options.isStream()) {
                if (!StreamClients.setUp(options, server, peer, clients)) {
                    return 3;
                }
            } else {
                openClients(server, clients);
                if (!setUp(clients, server, peer)) {
                    return 3;
                }
            }
            System.err.printf(Locale.ROOT, "setup: %d allocations with a channel to %s in %.1f s; client 0 relayed at %s%s%n",
                    clients.size(), peer, (System.nanoTime() - setupStart) / 1e9, clients.get(0).relayedAddress(),
                    options.isStream() ? " over " + clients.get(0).stream().describe() : "");
            Result result = options.isStream() ? new StreamLoad(options).drive(clients) : drive(clients);
            out.println(result.line(options));
            return result.received > 0 ? 0 : 4;
        } finally {
            tearDown(clients);
            if (ownPeer != null) {
                ownPeer.close();
            }
        }
    }

    private void openClients(InetSocketAddress server, List<TurnClient> clients) throws IOException {
        for (int i = 0; i < options.clients; i++) {
            clients.add(new TurnClient(openChannel(server), options.user, options.password));
        }
    }

    private synchronized DatagramChannel openChannel(InetSocketAddress server) throws IOException {
        InetAddress local = server.getAddress().isLoopbackAddress() ? server.getAddress() : null;
        DatagramChannel channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        // Explicit ports below the ephemeral range keep clear of the relay's port range.
        while (true) {
            try {
                channel.bind(new InetSocketAddress(local, nextClientPort == 0 ? 0 : nextClientPort++));
                break;
            } catch (BindException taken) {
                if (nextClientPort > 65535) {
                    throw taken;
                }
            }
        }
        channel.connect(server);
        return channel;
    }

    private boolean setUp(List<TurnClient> clients, InetSocketAddress server, InetSocketAddress peer) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(options.setupThreads);
        AtomicInteger next = new AtomicInteger();
        Set<TurnClient> failed = ConcurrentHashMap.newKeySet();
        for (int t = 0; t < options.setupThreads; t++) {
            pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < clients.size(); ) {
                    TurnClient client = clients.get(i);
                    try {
                        for (int attempt = 0; ; attempt++) {
                            try {
                                client.allocate();
                                break;
                            } catch (TurnClient.AllocationMismatchException mismatch) {
                                if (attempt == 3) {
                                    throw mismatch;
                                }
                                client.replaceChannel(openChannel(server));
                            }
                        }
                        client.bindChannel(CHANNEL, peer);
                    } catch (IOException | RuntimeException e) {
                        if (failed.size() < 5) {
                            System.err.println("setup failed: client " + i + ": " + e.getMessage());
                        }
                        failed.add(client);
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        if (failed.size() > options.allowedSetupFailures) {
            System.err.println("setup failed for " + failed.size() + " of " + clients.size() + " clients");
            return false;
        }
        if (!failed.isEmpty()) {
            System.err.println("continuing without the " + failed.size() + " clients whose setup failed (--allowed-setup-failures)");
            for (TurnClient client : failed) {
                try {
                    client.channel().close();
                } catch (IOException ignored) {
                    // Nothing left to release.
                }
            }
            clients.removeAll(failed);
        }
        return !clients.isEmpty();
    }

    private void tearDown(List<TurnClient> clients) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(options.setupThreads);
        for (TurnClient client : clients) {
            pool.submit(() -> {
                try {
                    if (client.isStream()) {
                        if (!client.stream().ended()) {
                            client.stream().channel().configureBlocking(true);
                            client.release();
                        }
                        client.close();
                        return;
                    }
                    client.channel().configureBlocking(true);
                    client.release();
                    client.channel().close();
                } catch (IOException ignored) {
                    // Closing is best effort.
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }

    private Result drive(List<TurnClient> clients) throws IOException {
        int n = clients.size();
        DatagramChannel[] channels = new DatagramChannel[n];
        Selector selector = Selector.open();
        for (int i = 0; i < n; i++) {
            channels[i] = clients.get(i).channel();
            channels[i].configureBlocking(false);
            channels[i].register(selector, SelectionKey.OP_READ, i);
        }
        int frameLength = ChannelFrame.HEADER + options.payload;
        ByteBuffer frame = ByteBuffer.allocateDirect(frameLength);
        frame.putShort(0, (short) CHANNEL).putShort(2, (short) options.payload);
        ByteBuffer received = ByteBuffer.allocateDirect(65536);
        LatencyHistogram histogram = new LatencyHistogram();

        int window = Math.max(1, Math.min(options.window, options.maxInflight == 0 ? options.window : options.maxInflight / n));
        int[] seq = new int[n];
        int[] inflight = new int[n];
        int[] allowed = new int[n];
        long[] lastProgress = new long[n];
        long start = System.nanoTime();
        long windowStart = start + (long) (options.warmupSeconds * 1e9);
        long windowEnd = windowStart + (long) (Math.min(options.durationSeconds, MAX_DURATION_SECONDS) * 1e9);
        long sent = 0;
        long sentInWindow = 0;
        long receivedInWindow = 0;
        long sendErrors = 0;
        long allSent = 0;
        ProcessSample relayBefore = null;
        ProcessSample selfBefore = null;
        ProcessSample relayAfter = null;
        ProcessSample selfAfter = null;
        long ownPid = ProcessHandle.current().pid();
        boolean windowOpen = false;
        boolean sending = true;
        long actualWindowEnd = windowEnd;
        long nextWriteOffCheck = start;
        int rrClient = 0;
        double nanosPerFrame = options.rate > 0 ? 1e9 / options.rate : 0;

        if (options.rate == 0) {
            for (int i = 0; i < n; i++) {
                allowed[i] = Math.min(window, 4);
                lastProgress[i] = start;
            }
        }
        long drainDeadline = Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            if (!windowOpen && now >= windowStart) {
                windowOpen = true;
                relayBefore = sample(options.relayPid);
                selfBefore = sample(ownPid);
            }
            if (sending && (now >= windowEnd || sentInWindow >= options.maxPackets)) {
                sending = false;
                actualWindowEnd = Math.min(now, windowEnd);
                relayAfter = sample(options.relayPid);
                selfAfter = sample(ownPid);
                drainDeadline = now + options.timeoutMillis * 1_000_000L;
            }
            if (!sending && (receivedInWindow >= sentInWindow || now >= drainDeadline)) {
                break;
            }
            // Send.
            if (sending) {
                if (options.rate > 0) {
                    long due = (long) ((now - start) / nanosPerFrame) - allSent;
                    for (long k = 0; k < Math.min(due, 4096); k++) {
                        int c = rrClient;
                        rrClient = rrClient + 1 == n ? 0 : rrClient + 1;
                        long t = System.nanoTime();
                        if (send(channels[c], frame, c, seq[c]++, t)) {
                            allSent++;
                            if (t >= windowStart && t < windowEnd) {
                                sentInWindow++;
                            }
                        } else {
                            allSent++;
                            sendErrors++;
                        }
                    }
                } else {
                    for (int c = 0; c < n; c++) {
                        while (inflight[c] < allowed[c]) {
                            long t = System.nanoTime();
                            if (!send(channels[c], frame, c, seq[c]++, t)) {
                                sendErrors++;
                                break;
                            }
                            inflight[c]++;
                            if (t >= windowStart && t < windowEnd) {
                                sentInWindow++;
                            }
                        }
                    }
                }
            }
            // Receive.
            int ready;
            if (options.rate > 0) {
                ready = selector.selectNow();
                if (ready == 0) {
                    LockSupport.parkNanos(20_000);
                }
            } else {
                ready = selector.select(Math.max(1, options.timeoutMillis / 10));
            }
            if (ready > 0) {
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    int c = (Integer) key.attachment();
                    DatagramChannel channel = channels[c];
                    for (int drained = 0; drained < 256; drained++) {
                        received.clear();
                        int length;
                        try {
                            length = channel.read(received);
                        } catch (IOException e) {
                            break;
                        }
                        if (length <= 0) {
                            break;
                        }
                        long t = System.nanoTime();
                        if (length < ChannelFrame.HEADER + STAMP_BYTES || (received.getShort(0) & 0xFFFF) != CHANNEL) {
                            continue;
                        }
                        long sentAt = received.getLong(ChannelFrame.HEADER + 8);
                        if (options.rate == 0) {
                            if (inflight[c] > 0) {
                                inflight[c]--;
                            }
                            if (allowed[c] < window) {
                                allowed[c]++;
                            }
                            lastProgress[c] = t;
                        }
                        if (sentAt >= windowStart && sentAt < actualWindowEnd) {
                            receivedInWindow++;
                            histogram.record((t - sentAt) / 1000);
                        }
                    }
                    if (options.rate == 0 && sending) {
                        while (inflight[c] < allowed[c]) {
                            long t = System.nanoTime();
                            if (!send(channel, frame, c, seq[c]++, t)) {
                                sendErrors++;
                                break;
                            }
                            inflight[c]++;
                            if (t >= windowStart && t < windowEnd) {
                                sentInWindow++;
                            }
                        }
                    }
                }
            }
            // A lost frame would hold its window slot forever: write it off after the timeout.
            if (options.rate == 0 && now >= nextWriteOffCheck) {
                nextWriteOffCheck = now + 50_000_000L;
                long stale = now - options.timeoutMillis * 1_000_000L;
                for (int c = 0; c < n; c++) {
                    if (inflight[c] > 0 && lastProgress[c] < stale) {
                        inflight[c] = 0;
                        lastProgress[c] = now;
                    }
                }
            }
        }
        selector.close();
        double seconds = (actualWindowEnd - windowStart) / 1e9;
        Result result = new Result(n, seconds, sentInWindow, receivedInWindow, sendErrors, histogram,
                relayBefore, relayAfter, sample(options.relayPid), selfBefore, selfAfter);
        if (options.rate > 0 && sentInWindow < 0.97 * options.rate * seconds) {
            System.err.printf(Locale.ROOT, "warning: offered %.0f/s, below 97 %% of the target %d/s: the generator fell behind%n",
                    sentInWindow / seconds, options.rate);
        }
        if (sendErrors > 0) {
            System.err.println("send errors (EAGAIN or ICMP): " + sendErrors);
        }
        return result;
    }

    private static boolean send(DatagramChannel channel, ByteBuffer frame, int client, int sequence, long nowNanos) {
        frame.putInt(ChannelFrame.HEADER, client).putInt(ChannelFrame.HEADER + 4, sequence).putLong(ChannelFrame.HEADER + 8, nowNanos);
        frame.clear();
        try {
            return channel.write(frame) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    static @Nullable ProcessSample sample(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            return ProcessSample.of(pid);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** ChannelData framing constants (RFC 8656 §12.4). */
    private static final class ChannelFrame {
        static final int HEADER = 4;
    }

    /** What one run measured; {@code closedByServer} counts stream connections the server ended during it. */
    record Result(int clients, double seconds, long sent, long received, long sendErrors, LatencyHistogram rtt,
                          @Nullable ProcessSample relayBefore, @Nullable ProcessSample relayAfter, @Nullable ProcessSample relayEnd,
                          @Nullable ProcessSample selfBefore, @Nullable ProcessSample selfAfter, long closedByServer) {
        Result(int clients, double seconds, long sent, long received, long sendErrors, LatencyHistogram rtt,
                @Nullable ProcessSample relayBefore, @Nullable ProcessSample relayAfter, @Nullable ProcessSample relayEnd,
                @Nullable ProcessSample selfBefore, @Nullable ProcessSample selfAfter) {
            this(clients, seconds, sent, received, sendErrors, rtt, relayBefore, relayAfter, relayEnd, selfBefore, selfAfter, 0);
        }

        String line(LoadOptions options) {
            double echoRate = received / seconds;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "turnload-java: clients=%d payload=%d rate=%d duration=%.2f sent=%d received=%d loss_pct=%.4f"
                            + " offered_pps=%.0f echo_pps=%.0f relayed_pps=%.0f p50_us=%d p99_us=%d p999_us=%d",
                    clients, options.payload, options.rate, seconds, sent, received,
                    sent == 0 ? 0.0 : 100.0 * (sent - received) / sent, sent / seconds, echoRate, 2 * echoRate,
                    rtt.percentile(0.50), rtt.percentile(0.99), rtt.percentile(0.999)));
            if (relayBefore != null && relayAfter != null) {
                double cpu = relayAfter.cpuSecondsSince(relayBefore);
                // Each echo crosses the relay twice: client to peer, then peer to client.
                line.append(String.format(Locale.ROOT, " relay_cpu_s=%.2f cpu_s_per_mpkt=%.2f relay_rss_kib=%d",
                        cpu, received == 0 ? 0.0 : cpu / (2.0 * received / 1e6),
                        relayEnd != null ? relayEnd.residentKiB() : relayAfter.residentKiB()));
            }
            if (selfBefore != null && selfAfter != null) {
                line.append(String.format(Locale.ROOT, " gen_cpu_s=%.2f", selfAfter.cpuSecondsSince(selfBefore)));
            }
            if (options.isStream()) {
                // Only on TCP/TLS lines, so a UDP line reads exactly as it always did.
                line.append(" transport=").append(options.clientTransport).append(" send_errors=").append(sendErrors)
                        .append(" closed_by_server=").append(closedByServer);
            }
            return line.toString();
        }
    }
}
