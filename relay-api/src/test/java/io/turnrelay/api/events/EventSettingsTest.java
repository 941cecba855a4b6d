package io.turnrelay.api.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventSettingsTest {
    @Test
    void noneHasNoListenersAndIsTheConfigurationsDefault() {
        RelayConfig config = RelayConfig.builder().authenticator(new StaticUsersAuthenticator(Map.of("a", "b")))
                .publicIpv4(java.net.InetAddress.getLoopbackAddress()).build();
        assertThat(config.events().listeners()).isEmpty();
        assertThat(config.events().queueCapacity()).isEqualTo(EventSettings.DEFAULT_QUEUE_CAPACITY);
    }

    @Test
    void theDefaultThreadIsNamedAndNotADaemonAndTheListenersKeepTheirOrder() {
        RelayEventListener first = event -> {};
        RelayEventListener second = event -> {};
        EventSettings settings = EventSettings.to(first, second);
        Thread thread = settings.threadFactory().newThread(() -> {});
        assertThat(thread.getName()).isEqualTo("turnrelay-events");
        assertThat(thread.isDaemon()).isFalse();
        assertThat(settings.listeners()).containsExactly(first, second);
        assertThat(settings.withQueueCapacity(5).queueCapacity()).isEqualTo(5);
    }

    @Test
    void aQueueWithoutRoomIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> EventSettings.none().withQueueCapacity(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("queueCapacity: must be at least 1, not 0");
    }
}
