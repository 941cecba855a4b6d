package io.turnrelay.core.turn;

import io.turnrelay.core.spi.ClientLink;

/**
 * A client's TCP or TLS connection as the server sees it: while it holds no allocation it must make one before
 * {@link #allocateBy}, or the server asks for it to be closed (RFC 8656 §21 wants connections bounded; coturn and
 * eturnal close idle ones too).
 */
final class StreamConnection extends Timed {
    final ClientLink link;
    /** When it must hold an allocation by; {@link Long#MAX_VALUE} while it holds one. */
    long allocateBy;

    StreamConnection(ClientLink link, long allocateBy) {
        this.link = link;
        this.allocateBy = allocateBy;
    }

    @Override
    long deadline() {
        return allocateBy;
    }
}
