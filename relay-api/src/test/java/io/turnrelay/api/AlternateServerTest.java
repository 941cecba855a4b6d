package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AlternateServerTest {

    @ParameterizedTest
    @CsvSource({
        "192.0.2.7:3478, 192.0.2.7:3478, ''",
        "[2001:db8::7]:3478, [2001:db8::7]:3478, ''",
        "[2001:0db8:0:0::7]:5349, [2001:db8::7]:5349, ''",
        "turn2.example.com@192.0.2.7:5349, turn2.example.com@192.0.2.7:5349, turn2.example.com",
        "turn6.example.com@[2001:db8::7]:5349, turn6.example.com@[2001:db8::7]:5349, turn6.example.com",
    })
    void readsIpPortAndAnOptionalDomain(String text, String printed, String domain) {
        AlternateServer alternate = AlternateServer.parse(text);
        assertThat(alternate).hasToString(printed);
        assertThat(alternate.domain()).isEqualTo(domain.isEmpty() ? null : domain);
        assertThat(AlternateServer.parse(alternate.toString())).isEqualTo(alternate);
        if (text.contains("[")) {
            assertThat(alternate.address().getAddress()).isInstanceOf(Inet6Address.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.7", "192.0.2.7:", ":3478", "2001:db8::7:3478", "[192.0.2.7]:3478", "turn.example.com:3478",
        "192.0.2.7:0", "192.0.2.7:65536", "192.0.2.7:port", "0.0.0.0:3478", "[::]:3478", "@192.0.2.7:3478", "010.0.0.1:3478"})
    void refusesWhatNamesNoServer(String text) {
        assertThatThrownBy(() -> AlternateServer.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageMatching("(?s).*\\S.*");
    }
}
