package io.turnrelay.core.turn;

import java.util.HashMap;
import java.util.Map;

/**
 * One server's place in an {@link AllocationLedger}: in one-allocation-per-username mode, which users hold
 * established allocations on it, and which of them other servers want gone (their newer allocations replace
 * these). Everything but {@link #server} is guarded by the ledger's lock.
 */
final class LedgerMember {
    /** Established allocations held on this server, per username. */
    final Map<String, Integer> established = new HashMap<>();
    /**
     * Per username: delete its allocations on this server whose {@link Allocation#ledgerSequence} is below the
     * value (they were established before the replacing one on another server).
     */
    Map<String, Long> evictions = new HashMap<>();
    /** Whose place it is: named in the {@link TurnCommand.WakeServer} that asks for its ledger work to be done. */
    final TurnServer server;

    LedgerMember(TurnServer server) {
        this.server = server;
    }
}
