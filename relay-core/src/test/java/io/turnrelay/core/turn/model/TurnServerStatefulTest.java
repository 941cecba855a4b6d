package io.turnrelay.core.turn.model;

import static org.quicktheories.QuickTheory.qt;

import org.junit.jupiter.api.Test;

/**
 * Stateful property-based tests of the TURN server: generated sequences of client requests, relayed
 * data, peer datagrams, junk and time jumps, each step checked against {@link RelayModel}.
 */
class TurnServerStatefulTest {

    @Test
    void randomOperationSequencesKeepEveryInvariant() {
        qt().withExamples(300)
                .withShrinkCycles(200)
                .forAll(ScenarioGenerators.scenarios(30, 80))
                .checkAssert(scenario -> new ScenarioRunner(scenario).run());
    }
}
