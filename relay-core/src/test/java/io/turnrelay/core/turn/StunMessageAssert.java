package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.StunMessage;

/** Short assertions on decoded responses. */
final class StunMessageAssert {
    private StunMessageAssert() {}

    static void success(StunMessage response) {
        assertThat(TestClient.code(response)).as("response code").isZero();
    }
}
