package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RelayConfigTest {
    private static final Authenticator USERS = new StaticUsersAuthenticator(Map.of("alice", "secret"));

    private static RelayConfig.Builder valid() {
        return RelayConfig.builder().authenticator(USERS).publicIpv4(ip("203.0.113.1"));
    }

    @Test
    void defaultsAreThoseOfAProductionRelay() {
        RelayConfig config = valid().build();
        assertThat(config.listenPort()).isEqualTo(3478);
        assertThat(config.lowestPort()).isEqualTo(49152);
        assertThat(config.highestPort()).isEqualTo(65535);
        assertThat(config.bindIpv4().isAnyLocalAddress()).isTrue();
        assertThat(config.bindIpv6()).isNull();
        assertThat(config.publicIpv6()).isNull();
        assertThat(config.realm()).isEqualTo("turnrelay");
        assertThat(config.maxAllocationsPerUser()).isEqualTo(10);
        assertThat(config.defaultLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(config.workers()).isEqualTo(1);
        assertThat(config.transport()).isNull();
        assertThat(config.maxBps()).as("no bandwidth limit").isZero();
        assertThat(config.bpsCapacity()).isZero();
    }

    @Test
    void bandwidthLimitsGoUpTo2To33BytesPerSecond() {
        RelayConfig config = valid().maxBps(RelayConfig.MAX_BPS).bpsCapacity(125_000_000).build();
        assertThat(config.maxBps()).isEqualTo(8_589_934_592L);
        assertThat(config.bpsCapacity()).isEqualTo(125_000_000);
    }

    @Test
    void aSpecificBindAddressIsAlsoThePublicAddress() {
        RelayConfig config = RelayConfig.builder().authenticator(USERS)
                .bindIpv4(ip("127.0.0.1")).bindIpv6(ip("::1")).build();
        assertThat(config.publicIpv4()).isEqualTo(ip("127.0.0.1"));
        assertThat(config.publicIpv6()).isEqualTo(ip("::1"));
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("authenticator", b -> b.authenticator(null)),
                bad("listenPort", b -> b.listenPort(0)),
                bad("listenPort", b -> b.listenPort(70_000)),
                bad("portRange", b -> b.portRange(60_000, 50_000)),
                bad("portRange lowest", b -> b.portRange(0, 100)),
                bad("listenPort", b -> b.listenPort(50_000).portRange(49_152, 65_535)),
                bad("publicIpv4", b -> b.publicIpv4(ip("2001:db8::1"))),
                bad("bindIpv6", b -> b.bindIpv6(ip("127.0.0.1"))),
                bad("publicIpv4/publicIpv6", b -> b.publicIpv4(null)),
                bad("bindIpv4", b -> b.bindIpv4(null)),
                bad("workers", b -> b.workers(0)),
                bad("workers", b -> b.workers(10).portRange(50_000, 50_004)),
                bad("maxAllocationsPerUser", b -> b.maxAllocationsPerUser(0)),
                bad("maxAllocations", b -> b.maxAllocations(-1)),
                bad("defaultLifetime/maxLifetime", b -> b.defaultLifetime(Duration.ofHours(2))),
                bad("defaultLifetime/maxLifetime", b -> b.defaultLifetime(Duration.ZERO)),
                bad("nonceValidity", b -> b.nonceValidity(Duration.ofSeconds(-1))),
                bad("realm", b -> b.realm("")),
                bad("maxBps", b -> b.maxBps(-1)),
                bad("maxBps", b -> b.maxBps(RelayConfig.MAX_BPS + 1)),
                bad("bpsCapacity", b -> b.bpsCapacity(-20_000)));
    }

    private static Arguments bad(String setting, Consumer<RelayConfig.Builder> change) {
        return Arguments.of(setting, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void aBadSettingIsRefusedNamingIt(String setting, Consumer<RelayConfig.Builder> change) {
        RelayConfig.Builder builder = valid();
        change.accept(builder);
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(setting + ":");
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
