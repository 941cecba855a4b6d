package io.turnrelay.core.turn;

import java.util.random.RandomGenerator;

/**
 * The relay ports of one relay (kept by an {@link AllocationLedger}, which guards it): which are free, and
 * random selection among the free ones. A port is
 * either free or taken (by a pending or live allocation, a reservation, or a failed bind attempt that is
 * still being retried elsewhere); the owner of a taken port gives it back with {@link #release}.
 */
final class PortPool {
    static final int NONE = -1;

    private final int lowest;
    private final int size;
    // Indexable set: free[0..freeCount) are the free ports, positionOf[port - lowest] their index or -1.
    private final int[] free;
    private final int[] positionOf;
    private int freeCount;

    PortPool(int lowest, int highest) {
        this.lowest = lowest;
        this.size = highest - lowest + 1;
        this.free = new int[size];
        this.positionOf = new int[size];
        for (int i = 0; i < size; i++) {
            free[i] = lowest + i;
            positionOf[i] = i;
        }
        this.freeCount = size;
    }

    int freeCount() {
        return freeCount;
    }

    boolean contains(int port) {
        return port >= lowest && port - lowest < size;
    }

    boolean isFree(int port) {
        return contains(port) && positionOf[port - lowest] >= 0;
    }

    /** Takes {@code port} if it is free. */
    boolean take(int port) {
        if (!isFree(port)) {
            return false;
        }
        int position = positionOf[port - lowest];
        int last = free[--freeCount];
        free[position] = last;
        positionOf[last - lowest] = position;
        positionOf[port - lowest] = -1;
        return true;
    }

    void release(int port) {
        if (!contains(port) || positionOf[port - lowest] >= 0) {
            return;
        }
        free[freeCount] = port;
        positionOf[port - lowest] = freeCount;
        freeCount++;
    }

    /** Takes a uniformly random free port, or returns {@link #NONE}. */
    int takeRandom(RandomGenerator random) {
        if (freeCount == 0) {
            return NONE;
        }
        int port = free[random.nextInt(freeCount)];
        take(port);
        return port;
    }

    /**
     * Takes a random free even port (and, with {@code alsoNext}, the free port above it too), or returns
     * {@link #NONE}. Scans from a random start, so it costs up to one pass over the free ports.
     */
    int takeRandomEven(RandomGenerator random, boolean alsoNext) {
        if (freeCount == 0) {
            return NONE;
        }
        int start = random.nextInt(freeCount);
        for (int i = 0; i < freeCount; i++) {
            int port = free[(start + i) % freeCount];
            if ((port & 1) == 0 && (!alsoNext || isFree(port + 1))) {
                take(port);
                if (alsoNext) {
                    take(port + 1);
                }
                return port;
            }
        }
        return NONE;
    }
}
