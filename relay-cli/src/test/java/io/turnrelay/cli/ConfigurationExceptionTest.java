package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigurationExceptionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "listenPort: Address already in use|--listen-port: Address already in use",
        "portRange: lowest 5 is above highest 3|--lowest-port/--highest-port: lowest 5 is above highest 3",
        "publicIpv4/publicIpv6: at least one public address is needed|--public-ip4-addr/--public-ip6-addr: at least one public address is needed",
        "bindIpv6: required to relay IPv6|--bind-ip6-addr: required to relay IPv6",
        "maxAllocationsPerUser: must be at least 1|--user-quota: must be at least 1",
        "maxAllocations: must be 0|--total-quota: must be 0",
        "transport: 'x' is not available|--transport: 'x' is not available",
        "something else entirely|configuration: something else entirely",
    })
    void relaySettingsAreRenamedToTheirOptions(String apiMessage, String expected) {
        assertThat(ConfigurationException.fromRelaySetting(apiMessage, new IllegalArgumentException()).getMessage()).isEqualTo(expected);
    }
}
