package io.turnrelay.core.turn.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts how often each kind of outcome happened across scenarios, so a test can prove that the
 * generator really reaches the interesting states (508, cooldown conflicts, Data indications...) instead
 * of passing vacuously.
 */
final class Coverage {
    private final Map<String, Integer> counts = new TreeMap<>();

    synchronized void record(String outcome) {
        counts.merge(outcome, 1, Integer::sum);
    }

    synchronized int count(String outcome) {
        return counts.getOrDefault(outcome, 0);
    }

    @Override
    public synchronized String toString() {
        return counts.toString();
    }
}
