package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FileDescriptorLimitTest {

    @Test
    void theCapsNeedAConnectionEachTwoPerRelayPortAndSomeSpare() {
        assertThat(FileDescriptorLimit.needed(100_000, 16_384)).isEqualTo(100_000 + 2 * 16_384 + 64);
        assertThat(FileDescriptorLimit.needed(10, 100)).isEqualTo(274);
    }

    @Test
    void aLowLimitWarnsWithTheNumbersAndHowToRaiseIt() {
        String warning = FileDescriptorLimit.warning(1024, 100_000, 16_384);
        assertThat(warning).isNotNull()
                .contains("open-file limit is 1024")
                .contains("132832")
                .contains("--max-connections 100000")
                .contains("ulimit -n 132832")
                .contains("LimitNOFILE=132832");
    }

    @Test
    void aLimitThatIsEnoughSaysNothing() {
        assertThat(FileDescriptorLimit.warning(132_832, 100_000, 16_384)).isNull();
        assertThat(FileDescriptorLimit.warning(1_048_576, 100_000, 16_384)).isNull();
        assertThat(FileDescriptorLimit.warning(273, 10, 100)).isNotNull();
    }

    @Test
    void onUnixTheLimitIsKnown() {
        assumeTrue(System.getProperty("os.name").matches("(?i).*(linux|mac|bsd).*"), "a Unix system");
        OptionalLong limit = FileDescriptorLimit.current();
        assertThat(limit).isPresent();
        assertThat(limit.getAsLong()).isPositive();
    }
}
