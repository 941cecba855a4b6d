package io.turnrelay.bench.load;

import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.StreamFraming;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The data phase of {@link TurnLoad} over TCP or TLS: the same loop as over UDP (closed loop with a per-client
 * window ramped up by one per echo, or a paced rate round robin; only frames sent inside the window count; a 1 s
 * drain) on one thread and one selector, with ChannelData padded to a multiple of 4 and echoes read off each
 * connection by their own lengths. A frame is written whole or queued behind an unsent rest; it is refused (a send
 * error) only when a connection already has {@link StreamConnection#MAX_QUEUED_BYTES} waiting.
 */
final class StreamLoad {
    private final LoadOptions options;
    private final LatencyHistogram histogram = new LatencyHistogram();
    private int window;
    private int[] inflight = new int[0];
    private int[] allowed = new int[0];
    private long[] lastProgress = new long[0];
    private long windowStart;
    private long actualWindowEnd;
    private long receivedInWindow;
    private long malformed;

    StreamLoad(LoadOptions options) {
        this.options = options;
    }

    TurnLoad.Result drive(List<TurnClient> clients) throws IOException {
        int n = clients.size();
        StreamConnection[] connections = new StreamConnection[n];
        SelectionKey[] keys = new SelectionKey[n];
        Selector selector = Selector.open();
        for (int i = 0; i < n; i++) {
            connections[i] = clients.get(i).stream();
            connections[i].channel().configureBlocking(false);
            keys[i] = connections[i].channel().register(selector, SelectionKey.OP_READ, i);
        }
        int frameLength = StreamFraming.paddedChannelDataLength(options.payload);
        // Direct for plain TCP (written without a copy), heap for TLS (what the JDK's AES-GCM is fast with).
        ByteBuffer frame = options.clientTransport.equals("tls") ? ByteBuffer.allocate(frameLength) : ByteBuffer.allocateDirect(frameLength);
        ChannelData.writeHeader(frame, 0, TurnLoad.CHANNEL, options.payload);

        window = Math.max(1, Math.min(options.window, options.maxInflight == 0 ? options.window : options.maxInflight / n));
        int[] seq = new int[n];
        inflight = new int[n];
        allowed = new int[n];
        lastProgress = new long[n];
        boolean[] dead = new boolean[n];
        long closedByServer = 0;
        long start = System.nanoTime();
        windowStart = start + (long) (options.warmupSeconds * 1e9);
        long windowEnd = windowStart + (long) (Math.min(options.durationSeconds, TurnLoad.MAX_DURATION_SECONDS) * 1e9);
        long sentInWindow = 0;
        long sendErrors = 0;
        long allSent = 0;
        ProcessSample relayBefore = null;
        ProcessSample selfBefore = null;
        ProcessSample relayAfter = null;
        ProcessSample selfAfter = null;
        long ownPid = ProcessHandle.current().pid();
        boolean windowOpen = false;
        boolean sending = true;
        actualWindowEnd = windowEnd;
        long nextWriteOffCheck = start;
        int rrClient = 0;
        double nanosPerFrame = options.rate > 0 ? 1e9 / options.rate : 0;
        Echoes echoes = new Echoes();

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
                relayBefore = TurnLoad.sample(options.relayPid);
                selfBefore = TurnLoad.sample(ownPid);
            }
            if (sending && (now >= windowEnd || sentInWindow >= options.maxPackets)) {
                sending = false;
                actualWindowEnd = Math.min(now, windowEnd);
                relayAfter = TurnLoad.sample(options.relayPid);
                selfAfter = TurnLoad.sample(ownPid);
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
                        allSent++;
                        if (!dead[c] && send(connections[c], keys[c], frame, c, seq[c]++, t)) {
                            if (t >= windowStart && t < windowEnd) {
                                sentInWindow++;
                            }
                        } else {
                            sendErrors++;
                        }
                    }
                } else {
                    for (int c = 0; c < n; c++) {
                        while (!dead[c] && inflight[c] < allowed[c]) {
                            long t = System.nanoTime();
                            if (!send(connections[c], keys[c], frame, c, seq[c]++, t)) {
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
            // Receive (and write what was queued).
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
                Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
                while (selected.hasNext()) {
                    SelectionKey key = selected.next();
                    selected.remove();
                    int c = (Integer) key.attachment();
                    StreamConnection connection = connections[c];
                    if (!key.isValid()) {
                        continue;
                    }
                    try {
                        if (key.isWritable() && connection.flush()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        if (key.isReadable()) {
                            echoes.client = c;
                            echoes.at = System.nanoTime();
                            if (connection.read(echoes) < 0 || connection.ended()) {
                                throw new IOException("closed by the server");
                            }
                        }
                    } catch (IOException e) {
                        if (!dead[c]) {
                            dead[c] = true;
                            closedByServer++;
                            inflight[c] = 0;
                            key.cancel();
                        }
                        continue;
                    }
                    if (options.rate == 0 && sending) {
                        while (inflight[c] < allowed[c]) {
                            long t = System.nanoTime();
                            if (!send(connection, key, frame, c, seq[c]++, t)) {
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
        TurnLoad.Result result = new TurnLoad.Result(n, seconds, sentInWindow, receivedInWindow, sendErrors, histogram,
                relayBefore, relayAfter, TurnLoad.sample(options.relayPid), selfBefore, selfAfter, closedByServer);
        if (options.rate > 0 && sentInWindow < 0.97 * options.rate * seconds) {
            System.err.printf(Locale.ROOT, "warning: offered %.0f/s, below 97 %% of the target %d/s: the generator fell behind%n",
                    sentInWindow / seconds, options.rate);
        }
        if (sendErrors > 0) {
            System.err.println("send errors (send queue over " + StreamConnection.MAX_QUEUED_BYTES + " bytes, or a closed connection): "
                    + sendErrors);
        }
        if (closedByServer > 0) {
            System.err.println("connections closed by the server during the run: " + closedByServer);
        }
        if (malformed > 0) {
            System.err.println("frames that were not a stamped ChannelData echo: " + malformed);
        }
        return result;
    }

    private static boolean send(StreamConnection connection, SelectionKey key, ByteBuffer frame, int client, int sequence, long nowNanos) {
        frame.putInt(ChannelData.HEADER_LENGTH, client).putInt(ChannelData.HEADER_LENGTH + 4, sequence)
                .putLong(ChannelData.HEADER_LENGTH + 8, nowNanos);
        frame.clear();
        boolean sent = connection.write(frame);
        if (connection.hasUnsent() && key.isValid() && (key.interestOps() & SelectionKey.OP_WRITE) == 0) {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
        return sent;
    }

    /** Takes the echoes one read brings; {@code client} and {@code at} are set before each read. */
    private final class Echoes implements StreamConnection.FrameSink {
        int client;
        long at;

        @Override
        public void frame(ByteBuffer buffer, int offset, int length) {
            if (length < ChannelData.HEADER_LENGTH + TurnLoad.STAMP_BYTES
                    || (((buffer.get(offset) & 0xFF) << 8) | (buffer.get(offset + 1) & 0xFF)) != TurnLoad.CHANNEL) {
                malformed++;
                return;
            }
            long sentAt = buffer.getLong(offset + ChannelData.HEADER_LENGTH + 8);
            int c = client;
            if (options.rate == 0) {
                if (inflight[c] > 0) {
                    inflight[c]--;
                }
                if (allowed[c] < window) {
                    allowed[c]++;
                }
                lastProgress[c] = at;
            }
            if (sentAt >= windowStart && sentAt < actualWindowEnd) {
                receivedInWindow++;
                histogram.record((at - sentAt) / 1000);
            }
        }
    }
}
