package io.turnrelay.api.events;

import java.time.Duration;
import java.util.Objects;

/**
 * What one allocation relayed over its life. Bytes are application payload (ChannelData and Send/Data indication
 * data), without STUN, ChannelData, UDP or TCP headers; packets are the messages the relay handed to its sockets.
 *
 * @param packetsToPeer messages relayed from the client to its peers
 * @param bytesToPeer their payload bytes
 * @param packetsToClient datagrams relayed from peers to the client
 * @param bytesToClient their payload bytes
 * @param duration from the allocation's creation to its deletion
 */
public record AllocationUsage(long packetsToPeer, long bytesToPeer, long packetsToClient, long bytesToClient, Duration duration) {
    public AllocationUsage {
        Objects.requireNonNull(duration, "duration");
    }
}
