package io.turnrelay.api;

import java.util.Map;

/**
 * A snapshot of a relay's counters, summed over its workers.
 *
 * @param dropsByReason datagrams dropped without an answer, by reason name (e.g. {@code "NO_PERMISSION"})
 * @param responses responses sent, keyed {@code "<method>/<code>"} with code 0 for success, e.g. {@code "allocate/401"}
 * @param sendDrops datagrams the transport dropped because a socket was not writable
 */
public record RelayStats(
        long allocations,
        long permissions,
        long channels,
        long packetsClientToPeer,
        long bytesClientToPeer,
        long packetsPeerToClient,
        long bytesPeerToClient,
        Map<String, Long> dropsByReason,
        Map<String, Long> responses,
        long sendDrops) {

    public RelayStats {
        dropsByReason = Map.copyOf(dropsByReason);
        responses = Map.copyOf(responses);
    }
}
