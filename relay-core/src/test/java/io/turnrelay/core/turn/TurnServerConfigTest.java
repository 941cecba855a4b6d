package io.turnrelay.core.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.StaticUsersAuthenticator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TurnServerConfigTest {
    private static TurnServerConfig.Builder minimal() {
        return TurnServerConfig.builder()
                .publicIpv4(TurnHarness.PUBLIC_IPV4)
                .authenticator(new StaticUsersAuthenticator(Map.of("a", "b")))
                .unixClock(() -> 0);
    }

    @Test
    void defaultsAreThoseOfAProductionRelay() {
        TurnServerConfig config = minimal().build();
        assertThat(config.realm()).isEqualTo("turnrelay");
        assertThat(config.software()).isEqualTo("turnrelay");
        assertThat(config.lowestPort()).isEqualTo(49152);
        assertThat(config.highestPort()).isEqualTo(65535);
        assertThat(config.defaultLifetime()).isEqualTo(Duration.ofSeconds(600));
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofSeconds(3600));
        assertThat(config.permissionLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.channelLifetime()).isEqualTo(Duration.ofSeconds(600));
        assertThat(config.channelCooldown()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.nonceValidity()).isEqualTo(Duration.ofSeconds(600));
        assertThat(config.reservationLifetime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.maxAllocationsPerUser()).isEqualTo(10);
        assertThat(config.maxAllocations()).isEqualTo(65535 - 49152 + 1);
        assertThat(config.oneAllocationPerUsername()).isFalse();
        assertThat(config.rfc5766ChannelNumbers()).isFalse();
        assertThat(config.publicIpv6()).isNull();
    }

    @Test
    void inconsistentSettingsAreRefusedByName() {
        assertThatThrownBy(() -> minimal().portRange(60000, 50000).build()).hasMessageContaining("portRange");
        assertThatThrownBy(() -> minimal().publicIpv4(null).build()).hasMessageContaining("publicIpv4");
        assertThatThrownBy(() -> minimal().publicIpv4(TurnHarness.PUBLIC_IPV6).build()).hasMessageContaining("publicIpv4");
        assertThatThrownBy(() -> TurnServerConfig.builder().publicIpv4(TurnHarness.PUBLIC_IPV4).unixClock(() -> 0).build())
                .hasMessageContaining("authenticator");
        assertThatThrownBy(() -> minimal().defaultLifetime(Duration.ofHours(2)).build()).hasMessageContaining("defaultLifetime");
        assertThatThrownBy(() -> minimal().maxAllocationsPerUser(0).build()).hasMessageContaining("maxAllocationsPerUser");
        assertThatThrownBy(() -> minimal().nonceValidity(Duration.ZERO).build()).hasMessageContaining("nonceValidity");
        assertThatThrownBy(() -> minimal().software("x".repeat(128)).build()).hasMessageContaining("software");
        assertThatThrownBy(() -> minimal().realm("").build()).hasMessageContaining("realm");
    }
}
