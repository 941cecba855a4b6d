package io.turnrelay.core.relay;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.CloseReason;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Stream connection counters of one shard, per client transport: accepted (by the listener's transport, TCP for a
 * listener that detects TLS), open (connected client links, by their transport), and closed by reason (refusals at
 * accept included; by the link's transport, or the listener's when the connection never became a link). Written
 * only by the shard's loop thread; read from any thread.
 */
final class ConnectionCounters {
    private static final int TRANSPORTS = ClientTransport.values().length;
    private static final CloseReason[] REASONS = CloseReason.values();
    private static final int ACCEPTED = 0;
    private static final int OPEN = 1;
    private static final int FIRST_CLOSE = 2;
    private static final int SLOTS = FIRST_CLOSE + REASONS.length;

    private final AtomicLongArray values = new AtomicLongArray(TRANSPORTS * SLOTS);

    void accepted(ClientTransport transport) {
        add(transport, ACCEPTED, 1);
    }

    void connected(ClientTransport transport) {
        add(transport, OPEN, 1);
    }

    /** A refusal at accept: counted as a close, never as open. */
    void refused(ClientTransport transport, CloseReason reason) {
        add(transport, ACCEPTED, 1);
        add(transport, FIRST_CLOSE + reason.ordinal(), 1);
    }

    void closed(ClientTransport transport, boolean wasConnected, CloseReason reason) {
        if (wasConnected) {
            add(transport, OPEN, -1);
        }
        add(transport, FIRST_CLOSE + reason.ordinal(), 1);
    }

    long acceptedCount(ClientTransport transport) {
        return values.getOpaque(transport.ordinal() * SLOTS + ACCEPTED);
    }

    long open(ClientTransport transport) {
        return values.getOpaque(transport.ordinal() * SLOTS + OPEN);
    }

    long closed(ClientTransport transport, CloseReason reason) {
        return values.getOpaque(transport.ordinal() * SLOTS + FIRST_CLOSE + reason.ordinal());
    }

    private void add(ClientTransport transport, int slot, long delta) {
        int index = transport.ordinal() * SLOTS + slot;
        values.setOpaque(index, values.getPlain(index) + delta);
    }
}
