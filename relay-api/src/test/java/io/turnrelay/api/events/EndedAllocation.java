package io.turnrelay.api.events;

import io.turnrelay.api.ClientTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The deletion event of a UDP allocation from loopback that relayed what a test needs, for listeners' tests. */
public final class EndedAllocation {
    private static final FiveTuple CLIENT = new FiveTuple(ClientTransport.UDP, new InetSocketAddress("127.0.0.1", 40000),
            new InetSocketAddress("127.0.0.1", 3478));

    private EndedAllocation() {}

    /** {@code username}'s allocation ended after relaying these payload bytes, one message each way. */
    public static RelayEvent.AllocationDeleted of(String username, long bytesToPeer, long bytesToClient) {
        return new RelayEvent.AllocationDeleted(Instant.EPOCH, CLIENT, username, "realm", List.of(), DeleteReason.EXPIRED,
                new AllocationUsage(1, bytesToPeer, 1, bytesToClient, Duration.ofSeconds(1)));
    }
}
