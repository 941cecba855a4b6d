package io.turnrelay.api.offload;

/**
 * What a fast path relayed; bytes are payload bytes (ChannelData headers not counted), as the relay's own counters.
 */
public record OffloadCounters(long packetsClientToPeer, long bytesClientToPeer, long packetsPeerToClient, long bytesPeerToClient) {

    /** Nothing relayed. */
    public static final OffloadCounters ZERO = new OffloadCounters(0, 0, 0, 0);

    /** The sum of this and {@code other}. */
    public OffloadCounters plus(OffloadCounters other) {
        return new OffloadCounters(packetsClientToPeer + other.packetsClientToPeer, bytesClientToPeer + other.bytesClientToPeer,
                packetsPeerToClient + other.packetsPeerToClient, bytesPeerToClient + other.bytesPeerToClient);
    }
}
