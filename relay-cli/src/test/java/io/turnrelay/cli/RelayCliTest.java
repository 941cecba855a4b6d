package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.Authenticator;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.LongTermCredential;
import io.turnrelay.api.PasswordAlgorithm;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.TurnRestAuthenticator;
import io.turnrelay.api.events.EndedAllocation;
import io.turnrelay.api.metrics.TopUsers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.turnrelay.xdp.XdpMode;
import io.turnrelay.xdp.XdpSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RelayCliTest {
    private static final InetAddress HOST_ADDRESS = address("203.0.113.7");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> environment = new HashMap<>();

    private Object check(String... args) {
        RelayCli cli = new RelayCli(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return cli.check(args, () -> HOST_ADDRESS);
    }

    private RelaySetup setup(String... args) {
        Object result = check(args);
        assertThat(result).as("stderr: %s", stderr()).isInstanceOf(RelaySetup.class);
        return (RelaySetup) result;
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noOptionsGiveTheEmbeddedDefault() {
        RelaySetup setup = setup();
        RelayConfig config = setup.relayConfig();
        assertThat(config.listenPort()).isEqualTo(3478);
        assertThat(config.lowestPort()).isEqualTo(49152);
        assertThat(config.highestPort()).isEqualTo(65535);
        assertThat(config.publicIpv4()).isEqualTo(HOST_ADDRESS);
        assertThat(config.bindIpv6()).as("no IPv6 sockets without an IPv6 address").isNull();
        assertThat(config.realm()).isEqualTo("turnrelay");
        assertThat(setup.healthCheckAddress().getPort()).isEqualTo(8080);
        assertThat(setup.portal()).isNull();
        assertThat(setup.warnings()).anyMatch(w -> w.contains("FIREZONE_TOKEN"));
        RelaySetup.GeneratedUser user = setup.generatedUser();
        assertThat(user).isNotNull();
        assertThat(user.iceServerJson()).isEqualTo("{\"urls\":[\"turn:203.0.113.7:3478?transport=udp\",\"turn:203.0.113.7:3478?transport=tcp\"],"
                + "\"username\":\"" + user.username() + "\",\"credential\":\"" + user.password() + "\"}");
        assertPassword(config.authenticator(), user.username(), "turnrelay", 0, user.password());
        assertThat(config.listeners()).extracting(ClientListener::toString).containsExactly("udp 0.0.0.0:3478", "tcp 0.0.0.0:3478");
        assertThat(config.tls()).isNull();
        assertThat(config.streams()).isEqualTo(StreamSettings.defaults());
        assertThat(setup.tlsReloadInterval()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void noTcpLeavesTheUdpListenerAndUrlOnly() {
        RelaySetup setup = setup("--no-tcp");
        assertThat(setup.relayConfig().listeners()).extracting(ClientListener::toString).containsExactly("udp 0.0.0.0:3478");
        assertThat(setup.generatedUser().iceServerJson()).startsWith("{\"urls\":[\"turn:203.0.113.7:3478?transport=udp\"],");
        environment.put("TURNRELAY_NO_TCP", "true");
        assertThat(setup().relayConfig().listeners()).extracting(ClientListener::transport).containsExactly(ClientTransport.UDP);
        environment.put("TURNRELAY_NO_TCP", "false");
        assertThat(setup().relayConfig().listeners()).extracting(ClientListener::transport)
                .containsExactly(ClientTransport.UDP, ClientTransport.TCP);
    }

    @Test
    void streamLimitsComeFromOptionsOrTheEnvironment() {
        StreamSettings options = setup("--stream-send-queue=131104", "--max-connections-per-ip=8", "--max-connections=500",
                "--tls-handshake-timeout=3", "--allocate-timeout=4", "--partial-frame-timeout=5", "--send-stall-timeout=6")
                .relayConfig().streams();
        assertThat(options).isEqualTo(new StreamSettings(131_104, Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofSeconds(5),
                Duration.ofSeconds(6), 8, 500));
        environment.put("TURNRELAY_STREAM_SEND_QUEUE", "1048576");
        environment.put("TURNRELAY_MAX_CONNECTIONS_PER_IP", "2");
        environment.put("TURNRELAY_MAX_CONNECTIONS", "3");
        environment.put("TURNRELAY_TLS_HANDSHAKE_TIMEOUT", "7");
        environment.put("TURNRELAY_ALLOCATE_TIMEOUT", "8");
        environment.put("TURNRELAY_PARTIAL_FRAME_TIMEOUT", "9");
        environment.put("TURNRELAY_SEND_STALL_TIMEOUT", "11");
        environment.put("TURNRELAY_TLS_RELOAD_INTERVAL", "0");
        RelaySetup fromEnvironment = setup();
        assertThat(fromEnvironment.relayConfig().streams()).isEqualTo(new StreamSettings(1_048_576, Duration.ofSeconds(7),
                Duration.ofSeconds(8), Duration.ofSeconds(9), Duration.ofSeconds(11), 2, 3));
        assertThat(fromEnvironment.tlsReloadInterval()).isZero();
        assertThat(setup("--tls-reload-interval=300").tlsReloadInterval()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void bandwidthLimitsComeFromOptionsOrTheEnvironment() {
        RelayConfig unlimited = setup().relayConfig();
        assertThat(unlimited.maxBps()).isZero();
        assertThat(unlimited.bpsCapacity()).isZero();
        RelayConfig options = setup("--max-bps=20000", "--bps-capacity=125000000").relayConfig();
        assertThat(options.maxBps()).isEqualTo(20_000);
        assertThat(options.bpsCapacity()).isEqualTo(125_000_000);
        environment.put("TURNRELAY_MAX_BPS", "64000");
        environment.put("TURNRELAY_BPS_CAPACITY", "8589934592");
        RelayConfig fromEnvironment = setup().relayConfig();
        assertThat(fromEnvironment.maxBps()).isEqualTo(64_000);
        assertThat(fromEnvironment.bpsCapacity()).isEqualTo(1L << 33);
    }

    @Test
    void topUsersAreOptInAndCountTurnRestCredentialsByUser() {
        assertThat(setup().topUsers()).as("no per-user series by default").isNull();
        TopUsers plain = setup("--metrics-top-users=3").topUsers();
        assertThat(plain).isNotNull();
        assertThat(plain.size()).isEqualTo(3);
        environment.put("TURNRELAY_METRICS_TOP_USERS", "5");
        TopUsers rest = setup("--auth-secret=s3cret").topUsers();
        assertThat(rest).isNotNull();
        assertThat(rest.size()).isEqualTo(5);

        for (TopUsers top : List.of(plain, rest)) {
            top.onEvent(EndedAllocation.of("1700000000:alice", 10, 0));
        }
        assertThat(plain.top()).extracting(TopUsers.UserBytes::user).containsExactly("1700000000:alice");
        assertThat(rest.top()).extracting(TopUsers.UserBytes::user).containsExactly("alice");
    }

    @Test
    void xdpTakesTheRelaysUdpPortsAndChannelRangeFromItsConfiguration() {
        assertThat(setup().xdp()).isNull();
        XdpSettings xdp = setup("--xdp=eth0", "--xdp", "eth1", "--listen-port=3479", "--lowest-port=40000", "--highest-port=41000",
                "--rfc5766-channel-numbers").xdp();
        assertThat(xdp).isNotNull();
        assertThat(xdp.interfaces()).containsExactly("eth0", "eth1");
        assertThat(xdp.mode()).isEqualTo(XdpMode.NATIVE);
        assertThat(xdp.listenPorts()).containsExactly(3479);
        assertThat(xdp.lowestRelayPort()).isEqualTo(40_000);
        assertThat(xdp.highestRelayPort()).isEqualTo(41_000);
        assertThat(xdp.highestChannelNumber()).isEqualTo(0x7FFF);
        assertThat(xdp.maxChannels()).isEqualTo(65_536);
        environment.put("TURNRELAY_XDP", "veth0,veth1");
        environment.put("TURNRELAY_XDP_MODE", "generic");
        environment.put("TURNRELAY_XDP_CHANNELS", "1000");
        XdpSettings fromEnvironment = setup().xdp();
        assertThat(fromEnvironment.interfaces()).containsExactly("veth0", "veth1");
        assertThat(fromEnvironment.mode()).isEqualTo(XdpMode.GENERIC);
        assertThat(fromEnvironment.maxChannels()).isEqualTo(1000);
        assertThat(fromEnvironment.highestChannelNumber()).isEqualTo(0x4FFF);
    }

    @Test
    void withoutAHostAddressTheRelayFallsBackToLoopbackWithAWarning() {
        RelayCli cli = new RelayCli(environment, new PrintStream(out), new PrintStream(err));
        RelaySetup setup = (RelaySetup) cli.check(new String[0], () -> null);
        assertThat(setup.relayConfig().publicIpv4()).isEqualTo(address("127.0.0.1"));
        assertThat(setup.warnings()).anyMatch(w -> w.contains("127.0.0.1"));
    }

    @Test
    void environmentVariablesSetOptions() {
        environment.put("LISTEN_PORT", "5000");
        environment.put("LOWEST_PORT", "40000");
        environment.put("HIGHEST_PORT", "40099");
        environment.put("PUBLIC_IP4_ADDR", "198.18.0.1");
        environment.put("TURNRELAY_USERS", "alice:one bob:two");
        environment.put("TURNRELAY_DENIED_PEER_IPS", "8.8.8.0/24,9.9.9.9");
        environment.put("TURNRELAY_ALLOW_LOOPBACK_PEERS", "true");
        environment.put("HEALTH_CHECK_ADDR", "127.0.0.1:9100");
        RelaySetup setup = setup();
        RelayConfig config = setup.relayConfig();
        assertThat(config.listenPort()).isEqualTo(5000);
        assertThat(config.lowestPort()).isEqualTo(40000);
        assertThat(config.highestPort()).isEqualTo(40099);
        assertThat(config.publicIpv4()).isEqualTo(address("198.18.0.1"));
        assertPassword(config.authenticator(), "alice", "turnrelay", 0, "one");
        assertPassword(config.authenticator(), "bob", "turnrelay", 0, "two");
        assertThat(setup.generatedUser()).as("users were given").isNull();
        assertThat(config.peerPolicy().permits(address("8.8.8.8"))).isFalse();
        assertThat(config.peerPolicy().permits(address("9.9.9.9"))).isFalse();
        assertThat(config.peerPolicy().permits(address("9.9.9.10"))).isTrue();
        assertThat(config.peerPolicy().permits(address("127.0.0.1"))).isTrue();
        assertThat(setup.healthCheckAddress().getPort()).isEqualTo(9100);
    }

    @Test
    void theCommandLineWinsOverTheEnvironment() {
        environment.put("LISTEN_PORT", "5000");
        environment.put("TURNRELAY_USERS", "alice:one");
        environment.put("TURNRELAY_REALM", "from-env");
        RelaySetup setup = setup("--listen-port", "6000", "--user", "carol:three", "--realm", "cli");
        RelayConfig config = setup.relayConfig();
        assertThat(config.listenPort()).isEqualTo(6000);
        assertThat(config.realm()).isEqualTo("cli");
        assertThat(config.authenticator().credential("carol", "cli", 0)).isNotNull();
        assertThat(config.authenticator().credential("alice", "cli", 0)).as("the command line replaces the env list").isNull();
    }

    @Test
    void generatedCredentialsAnnounceTheBindAddressWhenNoPublicAddressIsGiven() {
        RelaySetup.GeneratedUser onLoopback = setup("--bind-ip4-addr", "127.0.0.1", "--bind-ip6-addr", "::1").generatedUser();
        assertThat(onLoopback).isNotNull();
        assertThat(onLoopback.iceServerJson()).startsWith("{\"urls\":[\"turn:127.0.0.1:3478?transport=udp\",\"turn:127.0.0.1:3478?transport=tcp\"]");
        RelaySetup.GeneratedUser onIpv6 = setup("--bind-ip6-addr", "::1").generatedUser();
        assertThat(onIpv6).isNotNull();
        assertThat(onIpv6.iceServerJson()).startsWith(
                "{\"urls\":[\"turn:[0:0:0:0:0:0:0:1]:3478?transport=udp\",\"turn:[0:0:0:0:0:0:0:1]:3478?transport=tcp\"]");
    }

    @Test
    void withoutAChoiceTheRelayRunsOnNio() {
        // The load benchmark (relay-bench/README.md) measured NIO ahead of Netty in throughput and CPU per packet.
        assertThat(setup().transport().name()).isEqualTo("nio");
    }

    @Test
    void theTransportCanBeChosenByNameOrEnvironment() {
        assertThat(setup("--transport=nio").transport().name()).isEqualTo("nio");
        environment.put("TURNRELAY_TRANSPORT", "netty");
        assertThat(setup().transport().name()).isEqualTo("netty");
        assertThat(setup("--transport", "nio").relayConfig().transport()).isEqualTo("nio");
    }

    @Test
    void blankEnvironmentVariablesCountAsUnset() {
        environment.put("LISTEN_PORT", " ");
        assertThat(setup().relayConfig().listenPort()).isEqualTo(3478);
    }

    @Test
    void repeatableOptionsAccumulate() {
        RelaySetup setup = setup("--user", "a:1", "--user", "b:2", "--allowed-peer-ip", "10.1.0.0/16",
                "--allowed-peer-ip", "127.0.0.1");
        RelayConfig config = setup.relayConfig();
        assertThat(config.authenticator().credential("a", "turnrelay", 0)).isNotNull();
        assertThat(config.authenticator().credential("b", "turnrelay", 0)).isNotNull();
        assertThat(config.peerPolicy().permits(address("10.1.2.3"))).isTrue();
        assertThat(config.peerPolicy().permits(address("10.2.2.3"))).isFalse();
    }

    @Test
    void alternateServersAndTheDrainDeadlineComeFromOptionsOrTheEnvironment() {
        RelaySetup setup = setup("--alternate-server=192.0.2.7:3478", "--alternate-server=[2001:db8::7]:3478",
                "--tls-alternate-server=turn2.example.com@192.0.2.7:5349", "--drain-deadline=900");
        assertThat(setup.relayConfig().alternateServers()).extracting(Object::toString).containsExactly("192.0.2.7:3478", "[2001:db8::7]:3478");
        assertThat(setup.relayConfig().tlsAlternateServers()).singleElement().satisfies(a -> {
            assertThat(a.domain()).isEqualTo("turn2.example.com");
            assertThat(a.address().getPort()).isEqualTo(5349);
        });
        assertThat(setup.drainDeadline()).isEqualTo(Duration.ofSeconds(900));

        environment.put("TURNRELAY_ALTERNATE_SERVERS", "192.0.2.8:3478, 192.0.2.9:3478");
        environment.put("TURNRELAY_DRAIN_DEADLINE", "0");
        RelaySetup fromEnvironment = setup();
        assertThat(fromEnvironment.relayConfig().alternateServers()).extracting(Object::toString).containsExactly("192.0.2.8:3478", "192.0.2.9:3478");
        assertThat(fromEnvironment.relayConfig().tlsAlternateServers()).isEmpty();
        assertThat(fromEnvironment.drainDeadline()).isEqualTo(Duration.ZERO);
    }

    @Test
    void withoutADrainDeadlineADrainWaitsForTheLastAllocation() {
        assertThat(setup().drainDeadline()).isNull();
        assertThat(setup().relayConfig().alternateServers()).isEmpty();
    }

    @Test
    void authSecretEnablesTheTurnRestScheme() {
        RelaySetup setup = setup("--auth-secret", "s3cret");
        String username = (4_000_000_000L) + ":alice";
        assertPassword(setup.relayConfig().authenticator(), username, "turnrelay", 3_999_999_000L,
                new TurnRestAuthenticator("s3cret").passwordFor(username));
        assertThat(setup.generatedUser()).isNull();
    }

    @Test
    void aTokenJoinsThePortalWithTheFirezoneRealmAndASeededSecret() {
        environment.put("FIREZONE_TOKEN", "tok-123");
        environment.put("FIREZONE_API_URL", "ws://127.0.0.1:1234");
        environment.put("FIREZONE_NAME", "relay-a");
        RelaySetup first = setup("--rng-seed", "42");
        RelaySetup second = setup("--rng-seed", "42");
        assertThat(first.relayConfig().realm()).isEqualTo("firezone");
        assertThat(first.generatedUser()).isNull();
        assertThat(first.warnings()).noneMatch(w -> w.contains("FIREZONE_TOKEN"));
        var portal = first.portal();
        assertThat(portal).isNotNull();
        assertThat(portal.token()).isEqualTo("tok-123");
        assertThat(portal.name()).isEqualTo("relay-a");
        assertThat(portal.publicIpv4()).isEqualTo("203.0.113.7");
        assertThat(portal.listenPort()).isEqualTo(3478);
        assertThat(portal.apiUrl().toString()).isEqualTo("ws://127.0.0.1:1234");
        assertThat(portal.stampSecretHex()).matches("[0-9a-f]{64}").isEqualTo(second.portal().stampSecretHex());
        assertThat(portal.userAgent()).matches("\\S+/\\S+ relay/\\S+ \\(\\S+\\)");
        assertThat(setup("--rng-seed", "43").portal().stampSecretHex()).isNotEqualTo(portal.stampSecretHex());
    }

    @Test
    void aSeedMakesTheGeneratedUserReproducible() {
        RelaySetup.GeneratedUser first = setup("--rng-seed", "7").generatedUser();
        RelaySetup.GeneratedUser second = setup("--rng-seed", "7").generatedUser();
        assertThat(first.username()).isEqualTo(second.username());
        assertThat(first.password()).isEqualTo(second.password());
        assertThat(first.toString()).doesNotContain(first.password());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--denied-peer-ip=10.0.0.0/33|--denied-peer-ip",
        "--allowed-peer-ip=not-a-cidr|--allowed-peer-ip",
        "--lowest-port=50000 --highest-port=40000|--lowest-port/--highest-port",
        "--listen-port=70000|--listen-port",
        "--listen-port=abc|--listen-port",
        "--listen-port=50000|--listen-port",
        "--transport=carrier-pigeon|--transport",
        "--user=alice|--user",
        "--user=alice:|--user",
        "--user=:pw|--user",
        "--workers=0|--workers",
        "--user-quota=0|--user-quota",
        "--total-quota=-1|--total-quota",
        "--max-bps=-1|--max-bps",
        "--max-bps=20kB|--max-bps",
        "--bps-capacity=8589934593|--bps-capacity",
        "--metrics-top-users=-1|--metrics-top-users",
        "--metrics-top-users=1001|--metrics-top-users",
        "--public-ip4-addr=::1|--public-ip4-addr",
        "--public-ip4-addr=example.com|--public-ip4-addr",
        "--bind-ip4-addr=1.2.3.4/8|--bind-ip4-addr",
        "--health-check-addr=nonsense|--health-check-addr",
        "--health-check-addr=127.0.0.1:99999|--health-check-addr",
        "--log-format=xml|--log-format",
        "--no-such-option|--no-such-option",
        "--stream-send-queue=131103|--stream-send-queue",
        "--stream-send-queue=lots|--stream-send-queue",
        "--max-connections-per-ip=0|--max-connections-per-ip",
        "--max-connections=0|--max-connections",
        "--tls-handshake-timeout=0|--tls-handshake-timeout",
        "--allocate-timeout=0|--allocate-timeout",
        "--partial-frame-timeout=-1|--partial-frame-timeout",
        "--send-stall-timeout=0|--send-stall-timeout",
        "--tls-reload-interval=-1|--tls-reload-interval",
        "--tls-listen-port=443|--tls-listen-port",
        "--tls-listen-port=https|--tls-listen-port",
        "--detect-tls|--detect-tls",
        "--tls-cert=/etc/turn/chain.pem|--tls-cert",
        "--tls-key=/etc/turn/key.pem|--tls-key",
        "--tls-cert=/etc/turn/chain.pem --tls-key=/etc/turn/key.pem --tls-pkcs12=/etc/turn/relay.p12|--tls-pkcs12",
        "--tls-pkcs12=|--tls-pkcs12",
        "--tls-pkcs12-password=hunter2|--tls-pkcs12-password",
        "--drain-deadline=-1|--drain-deadline",
        "--drain-deadline=soon|--drain-deadline",
        "--alternate-server=192.0.2.7|--alternate-server",
        "--alternate-server=turn2.example.com:3478|--alternate-server",
        "--alternate-server=2001:db8::7:3478|--alternate-server",
        "--alternate-server=turn2.example.com@192.0.2.7:3478|--alternate-server",
        "--alternate-server=192.0.2.7:3478 --alternate-server=192.0.2.7:3478|--alternate-server",
        "--tls-alternate-server=192.0.2.7:99999|--tls-alternate-server",
        "--xdp=eth0 --max-bps=20000|--xdp",
        "--xdp=eth0 --bps-capacity=1000000|--xdp",
        "--xdp=eth0 --xdp-mode=offloaded|--xdp-mode",
        "--xdp=eth0 --xdp-channels=0|--xdp-channels",
    })
    void badConfigurationExitsTwoWithOneLineNamingTheOption(String args, String option) {
        Object result = check(args.split(" "));
        assertThat(result).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        String stderr = stderr();
        assertThat(stderr).contains(option).endsWith("\n");
        assertThat(stderr.strip()).doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void badEnvironmentValuesNameTheOption() {
        environment.put("HIGHEST_PORT", "lots");
        assertThat(check()).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(stderr()).contains("--highest-port");
    }

    @Test
    void thePkcs12PasswordIsNotAnOptionAndIsNotEchoed() {
        assertThat(check("--tls-pkcs12-password=hunter2")).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(stderr()).doesNotContain("hunter2").contains("--tls-pkcs12-password: unknown option");
    }

    @Test
    void theTokenIsNotAnOption() {
        assertThat(check("--token=abc")).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(stderr()).doesNotContain("abc").contains("--token");
    }

    @Test
    void aStrayArgumentIsNotEchoed() {
        assertThat(check("secret-token-value")).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(stderr()).doesNotContain("secret-token-value").contains("FIREZONE_TOKEN");
    }

    @Test
    void helpListsEveryOptionWithItsEnvironmentVariable() {
        assertThat(check("--help")).isEqualTo(RelayCli.EXIT_OK);
        String help = out.toString(StandardCharsets.UTF_8);
        var spec = RelayCli.commandLine(new RelayOptions(), Map.of()).getCommandSpec();
        for (var option : spec.options()) {
            assertThat(help).contains(option.longestName());
            String variable = EnvironmentDefaults.variableOf(option);
            if (!option.usageHelp() && !option.versionHelp()) {
                assertThat(variable).as("env var of %s", option.longestName()).isNotNull();
                assertThat(help).contains("Env: " + variable);
            }
        }
        assertThat(help).contains("FIREZONE_TOKEN").contains("default: 3478").contains("default: 0.0.0.0:8080");
        assertThat(help).contains("TURNRELAY_TLS_PKCS12_PASSWORD").contains("SIGHUP")
                .contains("Env: TURNRELAY_STREAM_SEND_QUEUE; default: 262144")
                .contains("Env: TURNRELAY_MAX_CONNECTIONS_PER_IP; default: 64")
                .contains("Env: TURNRELAY_MAX_CONNECTIONS; default: 100000")
                .contains("Env: TURNRELAY_TLS_HANDSHAKE_TIMEOUT; default: 10")
                .contains("Env: TURNRELAY_ALLOCATE_TIMEOUT; default: 30")
                .contains("Env: TURNRELAY_PARTIAL_FRAME_TIMEOUT; default: 10")
                .contains("Env: TURNRELAY_SEND_STALL_TIMEOUT; default: 10")
                .contains("Env: TURNRELAY_TLS_RELOAD_INTERVAL; default: 60")
                .contains("Env: TURNRELAY_NO_TCP").contains("Env: TURNRELAY_DETECT_TLS")
                .contains("Env: TURNRELAY_TLS_CERT").contains("Env: TURNRELAY_TLS_KEY").contains("Env: TURNRELAY_TLS_PKCS12.")
                .contains("Env: TURNRELAY_TLS_LISTEN_PORTS")
                .contains("SIGUSR1").contains("Env: TURNRELAY_DRAIN_DEADLINE").contains("Env: TURNRELAY_ALTERNATE_SERVERS")
                .contains("Env: TURNRELAY_TLS_ALTERNATE_SERVERS")
                .contains("Env: TURNRELAY_MAX_BPS; default: 0").contains("Env: TURNRELAY_BPS_CAPACITY; default: 0")
                .contains("Env: TURNRELAY_XDP.").contains("Env: TURNRELAY_XDP_MODE; default: native")
                .contains("Env: TURNRELAY_XDP_CHANNELS; default: 65536");
    }

    @Test
    void helpNeverShowsSecretsFromTheEnvironment() {
        environment.put("TURNRELAY_AUTH_SECRET", "very-secret-value");
        environment.put("FIREZONE_TOKEN", "token-value");
        environment.put("TURNRELAY_TLS_PKCS12_PASSWORD", "pkcs12-password-value");
        check("--help");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("very-secret-value").doesNotContain("token-value")
                .doesNotContain("pkcs12-password-value");
    }

    private static void assertPassword(Authenticator authenticator, String username, String realm, long now, String password) {
        LongTermCredential credential = authenticator.credential(username, realm, now);
        assertThat(credential).as("credential of %s", username).isNotNull();
        assertThat(credential.key(PasswordAlgorithm.MD5, username, realm))
                .isEqualTo(LongTermCredential.ofPassword(password).key(PasswordAlgorithm.MD5, username, realm));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
