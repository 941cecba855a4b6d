package io.turnrelay.core.turn;

import java.net.InetAddress;

/** A permission of one allocation for one peer IP (RFC 8656 §9): peers at that IP may relay both ways. */
final class Permission extends Timed {
    final Allocation allocation;
    final InetAddress peerIp;
    long expiresAt;

    Permission(Allocation allocation, InetAddress peerIp, long expiresAt) {
        this.allocation = allocation;
        this.peerIp = peerIp;
        this.expiresAt = expiresAt;
    }

    boolean isLive(long now) {
        return expiresAt > now;
    }

    @Override
    long deadline() {
        return expiresAt;
    }
}
