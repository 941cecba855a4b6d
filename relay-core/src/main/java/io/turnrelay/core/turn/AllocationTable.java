package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The live allocations, indexed by client 5-tuple, by relay port (an array) and by owner. */
final class AllocationTable {
    private final int lowestPort;
    private final Allocation[] byPort;
    private final Map<ClientLink, Allocation> byClient = new HashMap<>();
    private final Map<String, List<Allocation>> byUser = new HashMap<>();

    AllocationTable(int lowestPort, int highestPort) {
        this.lowestPort = lowestPort;
        this.byPort = new Allocation[highestPort - lowestPort + 1];
    }

    @Nullable Allocation byClient(ClientLink client) {
        return byClient.get(client);
    }

    @Nullable Allocation byPort(int port) {
        int index = port - lowestPort;
        return index >= 0 && index < byPort.length ? byPort[index] : null;
    }

    int size() {
        return byClient.size();
    }

    int countOf(String username) {
        List<Allocation> owned = byUser.get(username);
        return owned == null ? 0 : owned.size();
    }

    /** A copy: the caller may delete while going through it. */
    List<Allocation> ownedBy(String username) {
        List<Allocation> owned = byUser.get(username);
        return owned == null ? List.of() : new ArrayList<>(owned);
    }

    List<Allocation> all() {
        return new ArrayList<>(byClient.values());
    }

    void add(Allocation allocation) {
        byClient.put(allocation.client, allocation);
        byPort[allocation.port - lowestPort] = allocation;
        byUser.computeIfAbsent(allocation.username, u -> new ArrayList<>(1)).add(allocation);
    }

    void remove(Allocation allocation) {
        byClient.remove(allocation.client, allocation);
        int index = allocation.port - lowestPort;
        if (byPort[index] == allocation) {
            byPort[index] = null;
        }
        List<Allocation> owned = byUser.get(allocation.username);
        if (owned != null) {
            owned.remove(allocation);
            if (owned.isEmpty()) {
                byUser.remove(allocation.username);
            }
        }
    }
}
