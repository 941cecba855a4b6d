package io.turnrelay.core.turn.model;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Shrinks a failing {@link Scenario} by dropping operations one at a time while it still fails (runs
 * are deterministic: the server's randomness is seeded). QuickTheories shrinks the random source, which
 * rarely shortens a list of operations; this gives a sequence short enough to read.
 */
final class ScenarioMinimizer {
    private static final int MAX_RUNS = 2_000;

    private ScenarioMinimizer() {}

    /** Runs {@code scenario}; on failure, throws an AssertionError that describes the smallest failing sequence found. */
    static void runMinimizingFailures(Scenario scenario, Coverage coverage) {
        AssertionError failure = failureOf(scenario, coverage);
        if (failure == null) {
            return;
        }
        List<Operation> operations = new ArrayList<>(scenario.operations());
        AssertionError smallestFailure = failure;
        int runs = 0;
        boolean shrunk = true;
        while (shrunk && runs < MAX_RUNS) {
            shrunk = false;
            for (int i = operations.size() - 1; i >= 0 && runs < MAX_RUNS; i--) {
                List<Operation> candidate = new ArrayList<>(operations);
                candidate.remove(i);
                runs++;
                AssertionError candidateFailure = failureOf(with(scenario, candidate), new Coverage());
                if (candidateFailure != null) {
                    operations = candidate;
                    smallestFailure = candidateFailure;
                    shrunk = true;
                }
            }
        }
        throw new AssertionError("smallest failing sequence found (" + operations.size() + " of "
                + scenario.operations().size() + " operations):\n" + with(scenario, operations) + "\nfails with:\n"
                + smallestFailure.getMessage(), smallestFailure);
    }

    private static @Nullable AssertionError failureOf(Scenario scenario, Coverage coverage) {
        try {
            new ScenarioRunner(scenario, coverage).run();
            return null;
        } catch (AssertionError e) {
            return e;
        }
    }

    private static Scenario with(Scenario scenario, List<Operation> operations) {
        return new Scenario(scenario.portRangeSize(), scenario.portTakenByOtherProcess(), scenario.clientCount(),
                scenario.stepwiseEnd(), scenario.oneAllocationPerUsername(), scenario.rfc5766ChannelNumbers(), scenario.serverSeed(), List.copyOf(operations));
    }
}
