package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SighupTest {

    @Test
    void aSighupToThisProcessRunsTheActionInsteadOfStoppingIt() throws Exception {
        AtomicInteger hangups = new AtomicInteger();
        try {
            Sighup.handle(hangups::incrementAndGet);
        } catch (IllegalStateException e) {
            // Under nohup the signal cannot be taken over at all, which handle() reports; nothing to send then.
            Assumptions.abort(e.getMessage());
        }
        for (int expected = 1; expected <= 2; expected++) {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            int count = expected;
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hangups).hasValue(count));
        }
    }
}
