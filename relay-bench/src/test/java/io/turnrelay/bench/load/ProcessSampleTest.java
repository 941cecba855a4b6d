package io.turnrelay.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessSampleTest {
    @Test
    void readsUtimePlusStimeAfterACommandNameWithSpacesAndParentheses() {
        // Fields 14 and 15 (utime, stime) are 700 and 42; the name "(a) b" must not shift them.
        String stat = "1234 ((a) b) S 1 1234 1234 0 -1 4194560 100 0 0 0 700 42 0 0 20 0 3 0 999 1000 200";
        ProcessSample sample = ProcessSample.parse(stat, List.of("Name:\tx", "VmRSS:\t   20480 kB", "Threads:\t3"));
        assertThat(sample.cpuTicks()).isEqualTo(742);
        assertThat(sample.residentKiB()).isEqualTo(20480);
    }

    @Test
    void cpuSecondsAreTicksOverOneHundred() {
        assertThat(new ProcessSample(1250, 0).cpuSecondsSince(new ProcessSample(1000, 0))).isEqualTo(2.5);
    }

    @Test
    void readsThisProcess() throws Exception {
        ProcessSample self = ProcessSample.of(ProcessHandle.current().pid());
        assertThat(self.residentKiB()).isPositive();
        assertThat(self.cpuTicks()).isNotNegative();
    }
}
