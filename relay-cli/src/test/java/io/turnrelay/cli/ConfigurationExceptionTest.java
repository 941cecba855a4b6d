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
        "maxBps: must be 0 (no limit) to 8589934592|--max-bps: must be 0 (no limit) to 8589934592",
        "bpsCapacity: must be 0 (no limit) to 8589934592|--bps-capacity: must be 0 (no limit) to 8589934592",
        "transport: 'x' is not available|--transport: 'x' is not available",
        "listener udp 0.0.0.0:3478: cannot bind the listen address 0.0.0.0:3478: address in use|--listen-port: udp 0.0.0.0:3478: cannot bind the listen address 0.0.0.0:3478: address in use",
        "listener tcp [::]:3478: the listen address [::]:3478 is already bound|--listen-port: tcp [::]:3478: the listen address [::]:3478 is already bound",
        "listener tcp+tls 0.0.0.0:3478: port 3478 lies inside the relay port range 3000-4000|--listen-port: tcp+tls 0.0.0.0:3478: port 3478 lies inside the relay port range 3000-4000",
        "listener tls 0.0.0.0:5349: cannot bind the listen address 0.0.0.0:5349: address in use|--tls-listen-port: tls 0.0.0.0:5349: cannot bind the listen address 0.0.0.0:5349: address in use",
        "something else entirely|configuration: something else entirely",
    })
    void relaySettingsAreRenamedToTheirOptions(String apiMessage, String expected) {
        assertThat(ConfigurationException.fromRelaySetting(apiMessage, new IllegalArgumentException()).getMessage()).isEqualTo(expected);
    }
}
