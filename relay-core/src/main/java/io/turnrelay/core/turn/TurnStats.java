package io.turnrelay.core.turn;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one {@link TurnServer}. Written only by the server's thread; any thread may read them at
 * any time without locking (each value is individually current, the set is not a consistent snapshot).
 * Methods above 0x00F (none of them exists) are counted together under method 0.
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

    private static final int METHOD_SLOTS = 16;
    private static final int CODE_SLOTS = 401; // success, then 300..699

    // Single writer: plain read + opaque write is enough, readers use opaque reads.
    private final AtomicLongArray values = new AtomicLongArray(FIRST_DROP + DROP_REASONS.length);
    private final AtomicLongArray responses = new AtomicLongArray(METHOD_SLOTS * CODE_SLOTS);

    TurnStats() {}

    public long allocations() { return values.getOpaque(ALLOCATIONS); }

    public long permissions() { return values.getOpaque(PERMISSIONS); }

    public long channels() { return values.getOpaque(CHANNELS); }

    public long packetsClientToPeer() { return values.getOpaque(PACKETS_TO_PEER); }

    public long bytesClientToPeer() { return values.getOpaque(BYTES_TO_PEER); }

    public long packetsPeerToClient() { return values.getOpaque(PACKETS_TO_CLIENT); }

    public long bytesPeerToClient() { return values.getOpaque(BYTES_TO_CLIENT); }

    public long dropped(DropReason reason) { return values.getOpaque(FIRST_DROP + reason.ordinal()); }

    /**
     * Responses sent for {@code method} (a {@link io.turnrelay.core.stun.StunMethod} number) with
     * {@code code}: 0 for success, else the error code (400, 401, ...).
     */
    public long responses(int method, int code) {
        int slot = responseSlot(method, code);
        return slot < 0 ? 0 : responses.getOpaque(slot);
    }

    /** Callback for {@link #forEachResponseCounter}. */
    @FunctionalInterface
    public interface ResponseCounterVisitor {
        void visit(int method, int code, long count);
    }

    /** Visits every (method, code) pair counted so far, for exporting metrics. */
    public void forEachResponseCounter(ResponseCounterVisitor visitor) {
        for (int slot = 0; slot < responses.length(); slot++) {
            long count = responses.getOpaque(slot);
            if (count != 0) {
                int codeSlot = slot % CODE_SLOTS;
                visitor.visit(slot / CODE_SLOTS, codeSlot == 0 ? 0 : codeSlot + 299, count);
            }
        }
    }

    void allocationsChanged(int delta) { add(values, ALLOCATIONS, delta); }

    void permissionsChanged(int delta) { add(values, PERMISSIONS, delta); }

    void channelsChanged(int delta) { add(values, CHANNELS, delta); }

    void relayedToPeer(int bytes) {
        add(values, PACKETS_TO_PEER, 1);
        add(values, BYTES_TO_PEER, bytes);
    }

    void relayedToClient(int bytes) {
        add(values, PACKETS_TO_CLIENT, 1);
        add(values, BYTES_TO_CLIENT, bytes);
    }

    void countDrop(DropReason reason) { add(values, FIRST_DROP + reason.ordinal(), 1); }

    void responded(int method, int code) {
        int slot = responseSlot(method, code);
        if (slot >= 0) {
            add(responses, slot, 1);
        }
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
