package io.turnrelay.core.turn.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One step of a generated scenario. Clients and peers are indexes into the scenario's pools, so
 * sequences shrink well and print readably; {@code otherUser} signs with the user that does not own
 * the client's allocation by default.
 */
sealed interface Operation {

    /** The family attributes an Allocate carries. */
    enum Families { DEFAULT, IPV4, IPV6, DUAL }

    /** What kind of junk a client sends. */
    enum Garbage { RANDOM, MUTATED_LAST, TRUNCATED_LAST }

    /** EVEN-PORT as an Allocate may carry it: absent, R=0, or R=1 (also reserve the next port). */
    enum EvenPort { NONE, EVEN, EVEN_AND_RESERVE_NEXT }

    record Allocate(int client, boolean otherUser, @Nullable Long lifetimeSeconds, Families families, EvenPort evenPort)
            implements Operation {}

    /**
     * An Allocate presenting a RESERVATION-TOKEN: the {@code token}-th most recent (modulo) token any client
     * received so far, or a token nobody received when {@code token} is negative or none was handed out.
     */
    record AllocateWithToken(int client, boolean otherUser, int token) implements Operation {}

    record Refresh(int client, boolean otherUser, @Nullable Long lifetimeSeconds) implements Operation {}

    record CreatePermission(int client, boolean otherUser, List<Integer> peers) implements Operation {}

    record ChannelBind(int client, boolean otherUser, int channelNumber, int peer) implements Operation {
        @Override
        public String toString() {
            return String.format("ChannelBind[client=%d, otherUser=%s, channel=0x%04X, peer=%d]", client, otherUser, channelNumber, peer);
        }
    }

    record ChannelDataFromClient(int client, int channelNumber, int payloadLength, boolean padded) implements Operation {
        @Override
        public String toString() {
            return String.format("ChannelData[client=%d, channel=0x%04X, length=%d, padded=%s]", client, channelNumber, payloadLength, padded);
        }
    }

    record SendIndication(int client, int peer, int payloadLength, boolean dontFragment) implements Operation {}

    /**
     * A datagram from a peer to a relay port: with {@code toHeldPort}, the {@code portSlot}-th (modulo) port
     * the model's allocations hold, if any; otherwise port {@code lowestPort + portSlot % rangeSize}.
     */
    record PeerDatagram(int peer, int portSlot, int payloadLength, boolean toHeldPort) implements Operation {}

    record ClientGarbage(int client, Garbage kind, long seed) implements Operation {}

    /** How the driver's timer behaves while the clock moves. */
    enum Timer {
        /** handleTimeout at every deadline, on time. */
        ON_TIME,
        /** One handleTimeout, late, at the new time. */
        LATE,
        /** No handleTimeout yet: data arrives before the timer fires (the next control request fires it). */
        NOT_YET
    }

    record Advance(long nanos, Timer timer) implements Operation {}

    /** Graceful shutdown, step 1: new Allocates are refused, existing allocations keep relaying. */
    record StopAccepting() implements Operation {}

    /** Graceful shutdown, step 2: every allocation goes. */
    record ReleaseAll() implements Operation {}

    /** ChannelData on the usual channel numbers from every client and a datagram from every peer to every held port. */
    record ProbeAllFlows() implements Operation {}

    /** The client sends its last request again, byte for byte, if that was a successful Allocate (RFC 8656 §7.2). */
    record RetransmitAllocate(int client) implements Operation {}

    /** Advance to pollTimeout() plus {@code offsetNanos} (-1, 0 or +1). */
    record AdvanceToDeadline(long offsetNanos) implements Operation {}
}
