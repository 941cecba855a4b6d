package io.turnrelay.cli;

import io.turnrelay.xdp.XdpMode;
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
            "A STUN/TURN relay (RFC 8489 / RFC 8656). With no options it starts a standalone relay on UDP and TCP 3478 and",
            "prints one line to paste into a WebRTC iceServers entry; with a certificate it also serves TLS on 5349.",
            "Every option can also be set through the environment variable named below; the command line wins."},
        footer = {
            "",
            "Environment only:",
            "  FIREZONE_TOKEN                  Token of the Firezone portal. When set, the relay joins the portal at",
            "                                  --api-url (realm defaults to 'firezone'). Never on the command line, never logged.",
            "  TURNRELAY_TLS_PKCS12_PASSWORD   Password of --tls-pkcs12 (may be empty). Never on the command line, never logged.",
            "",
            "Signals: SIGTERM/SIGINT stop the relay now (every allocation is deleted); SIGUSR1 drains it: /readyz answers 503,",
            "new allocations are refused (300 to an --alternate-server, else 508), existing ones go on until they end or",
            "--drain-deadline passes, then the process exits; SIGHUP reloads the TLS certificate files (new connections get the",
            "new certificate, established ones keep theirs; a bad file keeps the old certificate and logs why).",
            "",
            "Exit status: 0 after SIGTERM/SIGINT or a finished drain, 1 when the portal gives up, 2 on a bad configuration."})
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
    @Option(names = "--listen-port", paramLabel = "PORT", defaultValue = "3478", description = "UDP and TCP port for STUN/TURN requests.")
    int listenPort = 3478;

    @Env("TURNRELAY_NO_TCP")
    @Option(names = "--no-tcp", defaultValue = "false", description = "No TCP listener on the listen port (UDP only there).")
    boolean noTcp;

    @Env("TURNRELAY_TLS_CERT")
    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain, the relay's own certificate first; with --tls-key it serves TURN over TLS (turns:).")
    @Nullable String tlsCert;

    @Env("TURNRELAY_TLS_KEY")
    @Option(names = "--tls-key", paramLabel = "FILE", description = "Unencrypted PKCS#8 PEM private key (BEGIN PRIVATE KEY) of --tls-cert.")
    @Nullable String tlsKey;

    @Env("TURNRELAY_TLS_PKCS12")
    @Option(names = "--tls-pkcs12", paramLabel = "FILE",
            description = "PKCS#12 file with one private key entry, instead of --tls-cert/--tls-key; password from TURNRELAY_TLS_PKCS12_PASSWORD.")
    @Nullable String tlsPkcs12;

    @Env("TURNRELAY_TLS_LISTEN_PORTS")
    @Option(names = "--tls-listen-port", paramLabel = "PORT", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "TCP port for TURN over TLS; repeatable (default: 5349 when a certificate is configured; 443 gets through most firewalls).")
    List<Integer> tlsListenPorts = new ArrayList<>();

    @Env("TURNRELAY_DETECT_TLS")
    @Option(names = "--detect-tls", defaultValue = "false",
            description = "The TCP listen port also serves TLS, told apart by the first byte (0x16), as coturn and eturnal do; needs a certificate.")
    boolean detectTls;

    @Env("TURNRELAY_TLS_RELOAD_INTERVAL")
    @Option(names = "--tls-reload-interval", paramLabel = "SECONDS", defaultValue = "60",
            description = "How often the certificate files are checked for changes; 0 reloads on SIGHUP only.")
    int tlsReloadInterval = 60;

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
            description = "I/O transport for UDP, TCP and TLS: ${COMPLETION-CANDIDATES} (default: nio, the faster in the load benchmark).")
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

    @Env("TURNRELAY_MAX_BPS")
    @Option(names = "--max-bps", paramLabel = "BYTES", defaultValue = "0",
            description = "Payload bytes per second one allocation may relay each way (coturn's max-bps; a custom authenticator may set its own per user); 0 means no limit.")
    long maxBps;

    @Env("TURNRELAY_BPS_CAPACITY")
    @Option(names = "--bps-capacity", paramLabel = "BYTES", defaultValue = "0",
            description = "Payload bytes per second the whole relay relays each way, shared fairly among allocations (each worker gets an equal share); 0 means no limit.")
    long bpsCapacity;

    @Env("TURNRELAY_XDP")
    @Option(names = "--xdp", paramLabel = "IFACE", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "Relay the bound channels of UDP clients in the kernel, by an XDP program attached to IFACE (repeatable;"
                    + " Linux with CAP_BPF and CAP_NET_ADMIN, or root). The relay exits 2 when it cannot, naming why.")
    List<String> xdpInterfaces = new ArrayList<>();

    @Env("TURNRELAY_XDP_MODE")
    @Option(names = "--xdp-mode", paramLabel = "MODE", defaultValue = "native",
            description = "native: the program runs in the network driver (fastest; needs driver support, veth has it);"
                    + " generic: after the kernel built its packet buffer (any interface, slower).")
    XdpMode xdpMode = XdpMode.NATIVE;

    @Env("TURNRELAY_XDP_CHANNELS")
    @Option(names = "--xdp-channels", paramLabel = "N", defaultValue = "65536",
            description = "Channels the XDP program's tables hold per address family; the relay relays any beyond them itself.")
    int xdpChannels = 65_536;

    @Env("TURNRELAY_STREAM_SEND_QUEUE")
    @Option(names = "--stream-send-queue", paramLabel = "BYTES", defaultValue = "262144",
            description = "Bytes a TCP or TLS client may have waiting to be sent; relayed data beyond it is dropped (at least 131104).")
    int streamSendQueue = 262_144;

    @Env("TURNRELAY_MAX_CONNECTIONS_PER_IP")
    @Option(names = "--max-connections-per-ip", paramLabel = "N", defaultValue = "64",
            description = "TCP and TLS connections from one client IP address at once (many users may share a NAT address).")
    int maxConnectionsPerIp = 64;

    @Env("TURNRELAY_MAX_CONNECTIONS")
    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "100000", description = "TCP and TLS connections at once, in all.")
    int maxConnections = 100_000;

    @Env("TURNRELAY_TLS_HANDSHAKE_TIMEOUT")
    @Option(names = "--tls-handshake-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A TLS connection is closed when its handshake has not finished this long after accept.")
    int tlsHandshakeTimeout = 10;

    @Env("TURNRELAY_ALLOCATE_TIMEOUT")
    @Option(names = "--allocate-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "A TCP or TLS connection is closed when it holds no allocation for this long (from connect, or from its last allocation's end).")
    int allocateTimeout = 30;

    @Env("TURNRELAY_PARTIAL_FRAME_TIMEOUT")
    @Option(names = "--partial-frame-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A TCP or TLS connection is closed when an incomplete message sits this long (slowloris).")
    int partialFrameTimeout = 10;

    @Env("TURNRELAY_SEND_STALL_TIMEOUT")
    @Option(names = "--send-stall-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A TCP or TLS connection is closed when the client reads nothing of its send queue for this long.")
    int sendStallTimeout = 10;

    @Env("TURNRELAY_RFC5766_CHANNEL_NUMBERS")
    @Option(names = "--rfc5766-channel-numbers", defaultValue = "false", description = "Also accept channel numbers 0x5000-0x7FFF (RFC 5766).")
    boolean rfc5766ChannelNumbers;

    @Env("TURNRELAY_DRAIN_DEADLINE")
    @Option(names = "--drain-deadline", paramLabel = "SECONDS",
            description = "After SIGUSR1, allocations still there this long are deleted and the process exits (default: wait for the last one to end).")
    @Nullable Integer drainDeadline;

    @Env("TURNRELAY_ALTERNATE_SERVERS")
    @Option(names = "--alternate-server", paramLabel = "IP:PORT", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "Relay UDP and TCP clients are sent to (300 Try Alternate, round robin per address family) when this one drains,"
                    + " or its --total-quota or relay ports are used up; repeatable, [IPv6]:PORT for IPv6.")
    List<String> alternateServers = new ArrayList<>();

    @Env("TURNRELAY_TLS_ALTERNATE_SERVERS")
    @Option(names = "--tls-alternate-server", paramLabel = "[DOMAIN@]IP:PORT", split = "[\\s,]+", splitSynopsisLabel = ",",
            description = "The same for TLS clients; DOMAIN, the name in that relay's certificate, goes into ALTERNATE-DOMAIN.")
    List<String> tlsAlternateServers = new ArrayList<>();

    @Env("TURNRELAY_METRICS_TOP_USERS")
    @Option(names = "--metrics-top-users", paramLabel = "N", defaultValue = "0",
            description = "Also export the payload bytes of the N users who relayed the most (a user label on N series, 1 to 1000;"
                    + " their ended allocations count); 0, the default, exports no per-user series.")
    int metricsTopUsers;

    @Env("TURNRELAY_SOFTWARE")
    @Option(names = "--software", paramLabel = "TEXT", defaultValue = "turnrelay", description = "SOFTWARE attribute sent in responses.")
    String software = "turnrelay";

    /** Values of {@code --log-format}. */
    enum LogFormat { human, json }

    /** Values of {@code --transport}. */
    enum TransportChoice { nio, netty }
}
