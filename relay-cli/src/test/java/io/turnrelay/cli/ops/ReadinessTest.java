package io.turnrelay.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.cli.portal.PortalState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReadinessTest {

    @Test
    void standaloneIsReadyWhileTheRelayServes() {
        assertThat(Readiness.isReady(true, null)).isTrue();
        assertThat(Readiness.isReady(false, null)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(PortalState.class)
    void withAPortalOnlyJoinedIsReady(PortalState state) {
        assertThat(Readiness.isReady(true, state)).isEqualTo(state == PortalState.JOINED);
        assertThat(Readiness.isReady(false, state)).isFalse();
    }
}
