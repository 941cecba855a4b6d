package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {

    @ParameterizedTest
    @ValueSource(strings = {"HUP", "USR1"})
    void aSignalToThisProcessRunsTheActionInsteadOfStoppingIt(String name) throws Exception {
        AtomicInteger received = new AtomicInteger();
        try {
            Signals.handle(name, received::incrementAndGet);
        } catch (IllegalStateException e) {
            // Under nohup SIGHUP cannot be taken over at all, which handle() reports; nothing to send then.
            Assumptions.abort(e.getMessage());
        }
        for (int expected = 1; expected <= 2; expected++) {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(ProcessHandle.current().pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            int count = expected;
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(received).hasValue(count));
        }
    }
}
