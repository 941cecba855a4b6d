package io.turnrelay.api;

import java.util.Map;

/**
 * The counters of a relay for the clients of one {@link ClientTransport}, summed over its workers.
 *
 * @param dropsByReason messages from, or relayed data for, these clients dropped without an answer, by reason name
 * @param responses responses sent to these clients, keyed {@code "<method>/<code>"} as in {@link RelayStats#responses()}
 * @param connectionsAccepted stream connections accepted, refused ones included (0 for UDP)
 * @param connectionsOpen stream connections open now
 * @param connectionsClosed stream connections ended, by reason label (e.g. {@code "client_closed"},
 *     {@code "per_ip_limit"} for refusals)
 * @param queueDrops relayed frames dropped because a connection's send queue was full
 * @param allocationDurations how long these clients' allocations lived, in seconds, observed when each ended
 * @param datagramSizesClientToPeer the payload size, in bytes, of each datagram relayed from these clients to peers
 * @param datagramSizesPeerToClient the size, in bytes, of each peer datagram relayed to these clients
 */
public record ClientTransportStats(
        long allocations,
        long permissions,
        long channels,
        long packetsClientToPeer,
        long bytesClientToPeer,
        long packetsPeerToClient,
        long bytesPeerToClient,
        Map<String, Long> dropsByReason,
        Map<String, Long> responses,
        long connectionsAccepted,
        long connectionsOpen,
        Map<String, Long> connectionsClosed,
        long queueDrops,
        Histogram allocationDurations,
        Histogram datagramSizesClientToPeer,
        Histogram datagramSizesPeerToClient) {

    public ClientTransportStats {
        dropsByReason = Map.copyOf(dropsByReason);
        responses = Map.copyOf(responses);
        connectionsClosed = Map.copyOf(connectionsClosed);
    }

    /** Without histograms (each empty, with no bounds). */
    public ClientTransportStats(long allocations, long permissions, long channels, long packetsClientToPeer, long bytesClientToPeer,
            long packetsPeerToClient, long bytesPeerToClient, Map<String, Long> dropsByReason, Map<String, Long> responses,
            long connectionsAccepted, long connectionsOpen, Map<String, Long> connectionsClosed, long queueDrops) {
        this(allocations, permissions, channels, packetsClientToPeer, bytesClientToPeer, packetsPeerToClient, bytesPeerToClient,
                dropsByReason, responses, connectionsAccepted, connectionsOpen, connectionsClosed, queueDrops,
                Histogram.empty(), Histogram.empty(), Histogram.empty());
    }
}
