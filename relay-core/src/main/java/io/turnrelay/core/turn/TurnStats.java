package io.turnrelay.core.turn;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.Histogram;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * Counters of one {@link TurnServer}, each kept per client transport (UDP, TCP, TLS) so every metric with a client
 * side can be labelled by it; peer datagrams dropped before any client is known count in a bucket of their own.
 * Written only by the server's thread; any thread may read them at any time without locking (each value is
 * individually current, the set is not a consistent snapshot). Methods above 0x00F (none of them exists) are
 * counted together under method 0. The histograms (relayed datagram sizes, allocation lifetimes) are fixed buckets
 * counted the same way, so observing one costs a few comparisons and one write, nothing allocated.
 */
public final class TurnStats {
    private static final int ALLOCATIONS = 0;
    private static final int PERMISSIONS = 1;
    private static final int CHANNELS = 2;
    private static final int PACKETS_TO_PEER = 3;
    private static final int BYTES_TO_PEER = 4;
    private static final int PACKETS_TO_CLIENT = 5;
    private static final int BYTES_TO_CLIENT = 6;
    private static final int FIRST_DROP = 7;
    private static final DropReason[] DROP_REASONS = DropReason.values();
    private static final int SLOTS = FIRST_DROP + DROP_REASONS.length;
    private static final ClientTransport[] TRANSPORTS = ClientTransport.values();
    /** The bucket after the transports': drops of peer datagrams that reached no allocation. */
    private static final int NO_CLIENT = TRANSPORTS.length;

    private static final int METHOD_SLOTS = 16;
    private static final int CODE_SLOTS = 401; // success, then 300..699
    private static final int RESPONSE_SLOTS = METHOD_SLOTS * CODE_SLOTS;

    /** Relayed payload sizes in bytes: control and audio, video up to WebRTC's usual 1200 and Ethernet's 1500, larger. */
    private static final double[] SIZE_UPPER_BOUNDS = {64, 128, 256, 512, 1024, 1200, 1500, 4096, 16384};
    /** The same as ints, for the relay path's comparisons. */
    private static final int[] SIZE_BOUNDS = new int[SIZE_UPPER_BOUNDS.length];
    private static final int SIZE_BUCKETS = SIZE_UPPER_BOUNDS.length + 1;
    /** Allocation lifetimes in seconds: failed or short checks, calls of minutes, sessions of hours. */
    private static final double[] DURATION_UPPER_BOUNDS = {1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400};
    private static final long[] DURATION_BOUNDS_NANOS = new long[DURATION_UPPER_BOUNDS.length];
    private static final int DURATION_BUCKETS = DURATION_UPPER_BOUNDS.length + 1;
    /** Per transport: the duration buckets, then the sum in milliseconds (nanoseconds would overflow within days). */
    private static final int DURATION_SLOTS = DURATION_BUCKETS + 1;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    static {
        for (int i = 0; i < SIZE_BOUNDS.length; i++) {
            SIZE_BOUNDS[i] = (int) SIZE_UPPER_BOUNDS[i];
        }
        for (int i = 0; i < DURATION_BOUNDS_NANOS.length; i++) {
            DURATION_BOUNDS_NANOS[i] = (long) (DURATION_UPPER_BOUNDS[i] * 1e9);
        }
    }

    // Single writer: plain read + opaque write is enough, readers use opaque reads.
    private final AtomicLongArray values = new AtomicLongArray((TRANSPORTS.length + 1) * SLOTS);
    private final AtomicLongArray responses = new AtomicLongArray(TRANSPORTS.length * RESPONSE_SLOTS);
    /** Per transport, direction (to peer, to client) and size bucket. */
    private final AtomicLongArray sizes = new AtomicLongArray(TRANSPORTS.length * 2 * SIZE_BUCKETS);
    private final AtomicLongArray durations = new AtomicLongArray(TRANSPORTS.length * DURATION_SLOTS);

    TurnStats() {}

    public long allocations() { return total(ALLOCATIONS); }

    public long permissions() { return total(PERMISSIONS); }

    public long channels() { return total(CHANNELS); }

    public long packetsClientToPeer() { return total(PACKETS_TO_PEER); }

    public long bytesClientToPeer() { return total(BYTES_TO_PEER); }

    public long packetsPeerToClient() { return total(PACKETS_TO_CLIENT); }

    public long bytesPeerToClient() { return total(BYTES_TO_CLIENT); }

    /** Drops for {@code reason} over every client transport and the peer side. */
    public long dropped(DropReason reason) {
        return total(FIRST_DROP + reason.ordinal()) + values.getOpaque(NO_CLIENT * SLOTS + FIRST_DROP + reason.ordinal());
    }

    public long allocations(ClientTransport transport) { return get(transport, ALLOCATIONS); }

    public long permissions(ClientTransport transport) { return get(transport, PERMISSIONS); }

    public long channels(ClientTransport transport) { return get(transport, CHANNELS); }

    public long packetsClientToPeer(ClientTransport transport) { return get(transport, PACKETS_TO_PEER); }

    public long bytesClientToPeer(ClientTransport transport) { return get(transport, BYTES_TO_PEER); }

    public long packetsPeerToClient(ClientTransport transport) { return get(transport, PACKETS_TO_CLIENT); }

    public long bytesPeerToClient(ClientTransport transport) { return get(transport, BYTES_TO_CLIENT); }

    /** Drops for {@code reason} of messages from, or relayed data for, clients on {@code transport}; null: peer datagrams for no allocation. */
    public long dropped(DropReason reason, @Nullable ClientTransport transport) {
        return values.getOpaque(bucket(transport) * SLOTS + FIRST_DROP + reason.ordinal());
    }

    /**
     * Responses sent for {@code method} (a {@link io.turnrelay.core.stun.StunMethod} number) with
     * {@code code}: 0 for success, else the error code (400, 401, ...), over all client transports.
     */
    public long responses(int method, int code) {
        int slot = responseSlot(method, code);
        if (slot < 0) {
            return 0;
        }
        long sum = 0;
        for (int t = 0; t < TRANSPORTS.length; t++) {
            sum += responses.getOpaque(t * RESPONSE_SLOTS + slot);
        }
        return sum;
    }

    /** The payload sizes, in bytes, of what {@code transport}'s clients sent to peers. */
    public Histogram datagramSizesClientToPeer(ClientTransport transport) {
        return histogram(sizes, transport.ordinal() * 2 * SIZE_BUCKETS, SIZE_UPPER_BOUNDS, bytesClientToPeer(transport));
    }

    /** The sizes, in bytes, of the peer datagrams relayed to {@code transport}'s clients. */
    public Histogram datagramSizesPeerToClient(ClientTransport transport) {
        return histogram(sizes, (transport.ordinal() * 2 + 1) * SIZE_BUCKETS, SIZE_UPPER_BOUNDS, bytesPeerToClient(transport));
    }

    /** How long {@code transport}'s clients' allocations lived, in seconds, observed when each was deleted. */
    public Histogram allocationDurations(ClientTransport transport) {
        int base = transport.ordinal() * DURATION_SLOTS;
        return histogram(durations, base, DURATION_UPPER_BOUNDS, durations.getOpaque(base + DURATION_BUCKETS) / 1000.0);
    }

    private static Histogram histogram(AtomicLongArray array, int base, double[] upperBounds, double sum) {
        long[] counts = new long[upperBounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = array.getOpaque(base + i);
        }
        return new Histogram(upperBounds, counts, sum);
    }

    /** Callback for {@link #forEachResponseCounter}. */
    @FunctionalInterface
    public interface ResponseCounterVisitor {
        void visit(ClientTransport transport, int method, int code, long count);
    }

    /** Visits every (transport, method, code) triple counted so far, for exporting metrics. */
    public void forEachResponseCounter(ResponseCounterVisitor visitor) {
        for (int index = 0; index < responses.length(); index++) {
            long count = responses.getOpaque(index);
            if (count != 0) {
                int slot = index % RESPONSE_SLOTS;
                int codeSlot = slot % CODE_SLOTS;
                visitor.visit(TRANSPORTS[index / RESPONSE_SLOTS], slot / CODE_SLOTS, codeSlot == 0 ? 0 : codeSlot + 299, count);
            }
        }
    }

    void allocationsChanged(ClientTransport transport, int delta) { add(values, transport.ordinal() * SLOTS + ALLOCATIONS, delta); }

    void permissionsChanged(ClientTransport transport, int delta) { add(values, transport.ordinal() * SLOTS + PERMISSIONS, delta); }

    void channelsChanged(ClientTransport transport, int delta) { add(values, transport.ordinal() * SLOTS + CHANNELS, delta); }

    void relayedToPeer(ClientTransport transport, int bytes) {
        int base = transport.ordinal() * SLOTS;
        add(values, base + PACKETS_TO_PEER, 1);
        add(values, base + BYTES_TO_PEER, bytes);
        add(sizes, (transport.ordinal() * 2) * SIZE_BUCKETS + sizeBucket(bytes), 1);
    }

    void relayedToClient(ClientTransport transport, int bytes) {
        int base = transport.ordinal() * SLOTS;
        add(values, base + PACKETS_TO_CLIENT, 1);
        add(values, base + BYTES_TO_CLIENT, bytes);
        add(sizes, (transport.ordinal() * 2 + 1) * SIZE_BUCKETS + sizeBucket(bytes), 1);
    }

    /** An allocation of a {@code transport} client ended after {@code lifetimeNanos}. */
    void allocationEnded(ClientTransport transport, long lifetimeNanos) {
        int base = transport.ordinal() * DURATION_SLOTS;
        int bucket = 0;
        while (bucket < DURATION_BOUNDS_NANOS.length && lifetimeNanos > DURATION_BOUNDS_NANOS[bucket]) {
            bucket++;
        }
        add(durations, base + bucket, 1);
        add(durations, base + DURATION_BUCKETS, Math.max(0, lifetimeNanos) / NANOS_PER_MILLI);
    }

    private static int sizeBucket(int bytes) {
        int bucket = 0;
        while (bucket < SIZE_BOUNDS.length && bytes > SIZE_BOUNDS[bucket]) {
            bucket++;
        }
        return bucket;
    }

    void countDrop(DropReason reason, @Nullable ClientTransport transport) {
        add(values, bucket(transport) * SLOTS + FIRST_DROP + reason.ordinal(), 1);
    }

    void responded(ClientTransport transport, int method, int code) {
        int slot = responseSlot(method, code);
        if (slot >= 0) {
            add(responses, transport.ordinal() * RESPONSE_SLOTS + slot, 1);
        }
    }

    private long get(ClientTransport transport, int slot) {
        return values.getOpaque(transport.ordinal() * SLOTS + slot);
    }

    private long total(int slot) {
        long sum = 0;
        for (int t = 0; t < TRANSPORTS.length; t++) {
            sum += values.getOpaque(t * SLOTS + slot);
        }
        return sum;
    }

    private static int bucket(@Nullable ClientTransport transport) {
        return transport == null ? NO_CLIENT : transport.ordinal();
    }

    private static int responseSlot(int method, int code) {
        int methodSlot = method >= 0 && method < METHOD_SLOTS ? method : 0;
        int codeSlot;
        if (code == 0) {
            codeSlot = 0;
        } else if (code >= 300 && code <= 699) {
            codeSlot = code - 299;
        } else {
            return -1;
        }
        return methodSlot * CODE_SLOTS + codeSlot;
    }

    private static void add(AtomicLongArray array, int index, long delta) {
        array.setOpaque(index, array.getPlain(index) + delta);
    }
}
