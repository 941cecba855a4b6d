package io.turnrelay.cli.ops;

/**
 * What {@code /metrics} says about a drain (SIGUSR1).
 *
 * @param deadlineEpochSeconds when the allocations still there are deleted, in Unix seconds; 0 when not draining or
 *     when the drain waits for the last allocation however long it takes
 */
public record DrainMetrics(boolean draining, long deadlineEpochSeconds) {
    public static final DrainMetrics NOT_DRAINING = new DrainMetrics(false, 0);
}
