package io.turnrelay.api;

import io.turnrelay.api.offload.OffloadCounters;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a relay's counters, summed over its workers.
 *
 * @param dropsByReason datagrams dropped without an answer, by reason name (e.g. {@code "NO_PERMISSION"})
 * @param responses responses sent, keyed {@code "<method>/<code>"} with code 0 for success, e.g. {@code "allocate/401"}
 * @param sendDrops datagrams and stream frames the transport dropped because a socket or send queue was full
 * @param byClientTransport the same counters for the clients of each transport (every one present)
 * @param eventsDropped events the listeners never got because the event queue was full
 * @param offloaded what the relay's fast path ({@link RelayConfig#channelOffload()}) relayed, each way; the packet and
 *     byte counters above are what the relay relayed itself, so the two add up to everything relayed
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
        long sendDrops,
        Map<ClientTransport, ClientTransportStats> byClientTransport,
        long eventsDropped,
        OffloadCounters offloaded) {

    public RelayStats {
        dropsByReason = Map.copyOf(dropsByReason);
        responses = Map.copyOf(responses);
        byClientTransport = Map.copyOf(byClientTransport);
    }

    /** Nothing offloaded. */
    public RelayStats(long allocations, long permissions, long channels, long packetsClientToPeer, long bytesClientToPeer,
            long packetsPeerToClient, long bytesPeerToClient, Map<String, Long> dropsByReason, Map<String, Long> responses,
            long sendDrops, Map<ClientTransport, ClientTransportStats> byClientTransport, long eventsDropped) {
        this(allocations, permissions, channels, packetsClientToPeer, bytesClientToPeer, packetsPeerToClient, bytesPeerToClient,
                dropsByReason, responses, sendDrops, byClientTransport, eventsDropped, OffloadCounters.ZERO);
    }

    /** No events dropped. */
    public RelayStats(long allocations, long permissions, long channels, long packetsClientToPeer, long bytesClientToPeer,
            long packetsPeerToClient, long bytesPeerToClient, Map<String, Long> dropsByReason, Map<String, Long> responses,
            long sendDrops, Map<ClientTransport, ClientTransportStats> byClientTransport) {
        this(allocations, permissions, channels, packetsClientToPeer, bytesClientToPeer, packetsPeerToClient, bytesPeerToClient,
                dropsByReason, responses, sendDrops, byClientTransport, 0, OffloadCounters.ZERO);
    }

    /** Totals only, every client transport's counters zero. */
    public RelayStats(long allocations, long permissions, long channels, long packetsClientToPeer, long bytesClientToPeer,
            long packetsPeerToClient, long bytesPeerToClient, Map<String, Long> dropsByReason, Map<String, Long> responses,
            long sendDrops) {
        this(allocations, permissions, channels, packetsClientToPeer, bytesClientToPeer, packetsPeerToClient, bytesPeerToClient,
                dropsByReason, responses, sendDrops, zeroPerTransport(), 0, OffloadCounters.ZERO);
    }

    /** The counters of {@code transport}'s clients (zeros when it has none). */
    public ClientTransportStats of(ClientTransport transport) {
        ClientTransportStats stats = byClientTransport.get(transport);
        return stats != null ? stats : ZERO;
    }

    private static final ClientTransportStats ZERO =
            new ClientTransportStats(0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, 0, Map.of(), 0);

    private static Map<ClientTransport, ClientTransportStats> zeroPerTransport() {
        Map<ClientTransport, ClientTransportStats> zero = new EnumMap<>(ClientTransport.class);
        for (ClientTransport transport : ClientTransport.values()) {
            zero.put(transport, ZERO);
        }
        return zero;
    }
}
