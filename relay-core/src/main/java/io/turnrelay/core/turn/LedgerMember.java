package io.turnrelay.core.turn;

import java.util.HashMap;
import java.util.Map;

/**
 * One server's place in an {@link AllocationLedger}: in one-allocation-per-username mode, which users hold
 * established allocations on it, and which of them other servers want gone (their newer allocations replace
 * these). Everything but {@link #wakeUp} is guarded by the ledger's lock.
 */
final class LedgerMember {
    /** Established allocations held on this server, per username. */
    final Map<String, Integer> established = new HashMap<>();
    /**
     * Per username: delete its allocations on this server whose {@link Allocation#ledgerSequence} is below the
     * value (they were established before the replacing one on another server).
     */
    Map<String, Long> evictions = new HashMap<>();
    /** Arranges for the server's {@link TurnServer#handleLedgerWork} to run soon, on the server's own thread. */
    volatile Runnable wakeUp = () -> {};
}
