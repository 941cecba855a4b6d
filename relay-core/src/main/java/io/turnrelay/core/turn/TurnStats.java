package io.turnrelay.core.turn;

/**
 * Counters of one {@link TurnServer}. Written only by the server's thread; any thread may read them at
 * any time without locking (each value is individually current, the set is not a consistent snapshot).
 */
public final class TurnStats {

    public long allocations() { throw new UnsupportedOperationException("server skeleton"); }

    public long permissions() { throw new UnsupportedOperationException("server skeleton"); }

    public long channels() { throw new UnsupportedOperationException("server skeleton"); }

    public long packetsClientToPeer() { throw new UnsupportedOperationException("server skeleton"); }

    public long bytesClientToPeer() { throw new UnsupportedOperationException("server skeleton"); }

    public long packetsPeerToClient() { throw new UnsupportedOperationException("server skeleton"); }

    public long bytesPeerToClient() { throw new UnsupportedOperationException("server skeleton"); }

    public long dropped(DropReason reason) { throw new UnsupportedOperationException("server skeleton"); }

    /**
     * Responses sent for {@code method} (a {@link io.turnrelay.core.stun.StunMethod} number) with
     * {@code code}: 0 for success, else the error code (400, 401, ...).
     */
    public long responses(int method, int code) { throw new UnsupportedOperationException("server skeleton"); }

    /** Callback for {@link #forEachResponseCounter}. */
    @FunctionalInterface
    public interface ResponseCounterVisitor {
        void visit(int method, int code, long count);
    }

    /** Visits every (method, code) pair counted so far, for exporting metrics. */
    public void forEachResponseCounter(ResponseCounterVisitor visitor) { throw new UnsupportedOperationException("server skeleton"); }
}
