package io.turnrelay.cli;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of {@code relay-cli}, as parsed by picocli. Every option also reads the environment
 * variable named by its {@link Env} annotation (Firezone's names where Firezone has the option). Values are
 * checked and turned into a relay configuration by {@link RelaySetup}.
 */
@Command(
        name = "relay-cli",
        mixinStandardHelpOptions = true,
        versionProvider = TurnrelayVersion.class,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "A STUN/TURN relay (RFC 8489 / RFC 8656). With no options it starts a standalone relay on UDP 3478 and prints",
            "one line to paste into a WebRTC iceServers entry.",
            "Every option can also be set through the environment variable named below; the command line wins."},
        footer = {
            "",
            "Environment only:",
            "  FIREZONE_TOKEN   Token of the Firezone portal. When set, the relay joins the portal at --api-url",
            "                   (realm defaults to 'firezone'); never accepted on the command line, never logged.",
            "",
            "Exit status: 0 after SIGTERM/SIGINT, 1 when the portal gives up, 2 on a bad configuration."})
final class RelayOptions {

    @Env("PUBLIC_IP4_ADDR")
    @Option(names = "--public-ip4-addr", paramLabel = "IP",
            description = "IPv4 address announced to clients as their relayed address (default: the first public-looking address of this host, else 127.0.0.1).")
    @Nullable String publicIp4Addr;

    @Env("PUBLIC_IP6_ADDR")
    @Option(names = "--public-ip6-addr", paramLabel = "IP", description = "IPv6 address announced to clients as their relayed address.")
    @Nullable String publicIp6Addr;

    @Env("BIND_IP4_ADDR")
    @Option(names = "--bind-ip4-addr", paramLabel = "IP", defaultValue = "0.0.0.0", description = "Local IPv4 address to listen and relay on.")
    String bindIp4Addr = "0.0.0.0";

    @Env("BIND_IP6_ADDR")
    @Option(names = "--bind-ip6-addr", paramLabel = "IP", defaultValue = "::",
            description = "Local IPv6 address to listen and relay on; IPv6 sockets are opened only when an IPv6 public address is known.")
    String bindIp6Addr = "::";

    @Env("LISTEN_PORT")
    @Option(names = "--listen-port", paramLabel = "PORT", defaultValue = "3478", description = "UDP port for STUN/TURN requests.")
    int listenPort = 3478;

    @Env("LOWEST_PORT")
    @Option(names = "--lowest-port", paramLabel = "PORT", defaultValue = "49152", description = "First relay port.")
    int lowestPort = 49152;

    @Env("HIGHEST_PORT")
    @Option(names = "--highest-port", paramLabel = "PORT", defaultValue = "65535", description = "Last relay port (inclusive).")
    int highestPort = 65535;

    @Env("FIREZONE_API_URL")
    @Option(names = "--api-url", paramLabel = "URL", defaultValue = "wss://api.firezone.dev",
            description = "Base URL of the Firezone portal (used only with FIREZONE_TOKEN).")
    String apiUrl = "wss://api.firezone.dev";

    @Env("FIREZONE_NAME")
    @Option(names = "--name", paramLabel = "NAME", description = "Display name of this relay in the portal.")
    @Nullable String name;

    @Env("RNG_SEED")
    @Option(names = "--rng-seed", paramLabel = "SEED",
            description = "Seeds every random source (credentials, secret, nonces, relay ports) for reproducible runs; never in production.")
    @Nullable Long rngSeed;

    @Env("LOG_FORMAT")
    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "human", description = "Log format: ${COMPLETION-CANDIDATES}.")
    LogFormat logFormat = LogFormat.human;

    @Env("HEALTH_CHECK_ADDR")
    @Option(names = "--health-check-addr", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:8080",
            description = "HTTP address of /healthz, /readyz and /metrics.")
    String healthCheckAddr = "0.0.0.0:8080";

    @Env("TURNRELAY_TRANSPORT")
    @Option(names = "--transport", paramLabel = "NAME",
            description = "Datagram transport: ${COMPLETION-CANDIDATES} (default: nio, the faster in the load benchmark).")
    @Nullable TransportChoice transport;

    @Env("TURNRELAY_WORKERS")
    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Worker threads; they share the relay ports and the quotas.")
    int workers = 1;

    @Env("TURNRELAY_REALM")
    @Option(names = "--realm", paramLabel = "REALM", description = "Authentication realm (default: 'turnrelay', or 'firezone' with FIREZONE_TOKEN).")
    @Nullable String realm;

    @Env("TURNRELAY_USERS")
    @Option(names = "--user", paramLabel = "NAME:PASSWORD",
            description = "A static user; repeatable (in the environment: separated by spaces). Without users, secret or token a random user is made.")
    List<String> users = new ArrayList<>();

    @Env("TURNRELAY_AUTH_SECRET")
    @Option(names = "--auth-secret", paramLabel = "SECRET",
            description = "Shared secret of the TURN REST API (coturn's use-auth-secret): username '<expiry>[:user]', password base64(HMAC-SHA1).")
    @Nullable String authSecret;

    @Env("TURNRELAY_ALLOWED_PEER_IPS")
    @Option(names = "--allowed-peer-ip", paramLabel = "CIDR", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "Peer range to allow even where a deny rule matches; repeatable.")
    List<String> allowedPeerIps = new ArrayList<>();

    @Env("TURNRELAY_DENIED_PEER_IPS")
    @Option(names = "--denied-peer-ip", paramLabel = "CIDR", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "Peer range to refuse; repeatable.")
    List<String> deniedPeerIps = new ArrayList<>();

    @Env("TURNRELAY_ALLOW_LOOPBACK_PEERS")
    @Option(names = "--allow-loopback-peers", defaultValue = "false", description = "Allow relaying to 127.0.0.0/8 and ::1.")
    boolean allowLoopbackPeers;

    @Env("TURNRELAY_ALLOW_PRIVATE_PEERS")
    @Option(names = "--allow-private-peers", defaultValue = "false", description = "Allow relaying to the RFC 1918 private ranges.")
    boolean allowPrivatePeers;

    @Env("TURNRELAY_USER_QUOTA")
    @Option(names = "--user-quota", paramLabel = "N", defaultValue = "10", description = "Allocations per username (over all workers).")
    int userQuota = 10;

    @Env("TURNRELAY_TOTAL_QUOTA")
    @Option(names = "--total-quota", paramLabel = "N", defaultValue = "0", description = "Allocations in total; 0 means one per relay port.")
    int totalQuota;

    @Env("TURNRELAY_RFC5766_CHANNEL_NUMBERS")
    @Option(names = "--rfc5766-channel-numbers", defaultValue = "false", description = "Also accept channel numbers 0x5000-0x7FFF (RFC 5766).")
    boolean rfc5766ChannelNumbers;

    @Env("TURNRELAY_SOFTWARE")
    @Option(names = "--software", paramLabel = "TEXT", defaultValue = "turnrelay", description = "SOFTWARE attribute sent in responses.")
    String software = "turnrelay";

    /** Values of {@code --log-format}. */
    enum LogFormat { human, json }

    /** Values of {@code --transport}. */
    enum TransportChoice { nio, netty }
}
