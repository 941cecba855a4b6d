package io.turnrelay.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import io.turnrelay.api.AlternateServer;
import io.turnrelay.api.Authenticator;
import io.turnrelay.api.CidrRange;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.FirezoneAuthenticator;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.api.TurnRestAuthenticator;
import io.turnrelay.api.metrics.TopUsers;
import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.api.tls.TlsCredentialsException;
import io.turnrelay.cli.portal.PortalSettings;
import io.turnrelay.core.spi.TransportProvider;
import io.turnrelay.core.relay.TransportProviders;
import io.turnrelay.xdp.XdpSettings;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Everything the process runs with, checked: the relay configuration, the transport, the operations address,
 * the portal settings (with a token) and the generated user (embedded default). Built by {@link #from}, which
 * throws {@link ConfigurationException} naming the option at fault.
 *
 * @param tlsReloadInterval how often the certificate files are checked for changes; zero for SIGHUP only
 * @param drainDeadline how long a drain (SIGUSR1) lets allocations go on at most; null to wait for the last one
 * @param warnings things the operator should hear about once logging runs (e.g. the 127.0.0.1 fallback)
 * @param xdp the XDP data plane to attach before the relay starts (--xdp), or null
 * @param topUsers the users who relayed the most, for /metrics (--metrics-top-users), or null
 * @param configBuilder what built {@code relayConfig}, to build it again with the attached XDP data plane
 */
record RelaySetup(
        RelayConfig relayConfig,
        TransportProvider transport,
        InetSocketAddress healthCheckAddress,
        RelayOptions.LogFormat logFormat,
        @Nullable PortalSettings portal,
        @Nullable GeneratedUser generatedUser,
        Duration tlsReloadInterval,
        List<String> warnings,
        @Nullable Duration drainDeadline,
        @Nullable XdpSettings xdp,
        @Nullable TopUsers topUsers,
        RelayConfig.Builder configBuilder) {

    static final String TOKEN_VARIABLE = "FIREZONE_TOKEN";
    static final String PKCS12_PASSWORD_VARIABLE = "TURNRELAY_TLS_PKCS12_PASSWORD";
    static final String STANDALONE_REALM = "turnrelay";
    /** The TLS port when a certificate is configured and no --tls-listen-port is given (RFC 8656 §5 "turns"). */
    static final int DEFAULT_TLS_PORT = 5349;
    private static final String CERTIFICATE_OPTIONS = "--tls-cert and --tls-key, or --tls-pkcs12";

    /** The user made up for the embedded default, and the iceServers entry that uses it. */
    record GeneratedUser(String username, String password, String iceServerJson) {
        @Override
        public String toString() {
            return "GeneratedUser[username=" + username + ", password=<redacted>]";
        }
    }

    /** Finds the host's own IPv4 address when none is configured; tests replace it. */
    @FunctionalInterface
    interface AddressDetector {
        @Nullable InetAddress firstUsableIpv4();
    }

    static RelaySetup from(RelayOptions options, Map<String, String> environment, AddressDetector detector)
            throws ConfigurationException {
        List<String> warnings = new ArrayList<>();
        String token = environment.get(TOKEN_VARIABLE);
        if (token != null && token.isBlank()) {
            token = null;
        }
        RandomSources random = RandomSources.of(options.rngSeed);

        InetAddress bind4 = address("--bind-ip4-addr", options.bindIp4Addr);
        InetAddress bind6 = address("--bind-ip6-addr", options.bindIp6Addr);
        InetAddress public4 = options.publicIp4Addr == null ? null : address("--public-ip4-addr", options.publicIp4Addr);
        InetAddress public6 = options.publicIp6Addr == null ? null : address("--public-ip6-addr", options.publicIp6Addr);
        if (public4 == null && public6 == null && bind4.isAnyLocalAddress() && bind6.isAnyLocalAddress()) {
            public4 = detector.firstUsableIpv4();
            if (public4 == null) {
                public4 = InetAddress.getLoopbackAddress().getAddress().length == 4
                        ? InetAddress.getLoopbackAddress() : literal("127.0.0.1");
                warnings.add("No --public-ip4-addr/PUBLIC_IP4_ADDR and no usable IPv4 address on this host's interfaces;"
                        + " announcing 127.0.0.1, which only clients on this host can reach");
            }
        }
        // IPv6 sockets only where IPv6 is relayed: a wildcard [::] bind alone must not fail hosts without IPv6.
        boolean relayIpv6 = public6 != null || !bind6.isAnyLocalAddress();

        PeerAddressPolicy.Builder policy = PeerAddressPolicy.builder()
                .allowLoopback(options.allowLoopbackPeers)
                .allowPrivate(options.allowPrivatePeers);
        for (String cidr : options.allowedPeerIps) {
            policy.allow(cidr("--allowed-peer-ip", cidr));
        }
        for (String cidr : options.deniedPeerIps) {
            policy.deny(cidr("--denied-peer-ip", cidr));
        }
        List<InetAddress> own = new ArrayList<>();
        for (InetAddress address : new InetAddress[] {public4, public6, bind4, relayIpv6 ? bind6 : null}) {
            if (address != null && !address.isAnyLocalAddress() && !own.contains(address)) {
                own.add(address);
            }
        }
        policy.relayAddresses(own);

        TlsCredentials tls = tlsCredentials(options, environment);
        List<Integer> tlsPorts = tlsPorts(options, tls != null);
        if (options.detectTls && tls == null) {
            throw new ConfigurationException("--detect-tls", "needs a certificate (" + CERTIFICATE_OPTIONS + ")");
        }
        if (options.detectTls && options.noTcp) {
            throw new ConfigurationException("--detect-tls", "needs the TCP listener on the listen port, which --no-tcp switches off");
        }
        StreamSettings streams = streams(options);
        List<AlternateServer> alternates = alternates("--alternate-server", options.alternateServers, false);
        List<AlternateServer> tlsAlternates = alternates("--tls-alternate-server", options.tlsAlternateServers, true);
        if (options.drainDeadline != null && options.drainDeadline < 0) {
            throw new ConfigurationException("--drain-deadline", "must be a number of seconds (0 deletes the allocations at once), not "
                    + options.drainDeadline);
        }
        if (options.tlsReloadInterval < 0) {
            throw new ConfigurationException("--tls-reload-interval",
                    "must be a number of seconds, or 0 to reload on SIGHUP only, not " + options.tlsReloadInterval);
        }

        List<Authenticator> authenticators = new ArrayList<>();
        Map<String, String> users = users(options.users);
        GeneratedUser generated = null;
        if (users.isEmpty() && options.authSecret == null && token == null) {
            String username = "user-" + HexFormat.of().formatHex(bytes(random.main(), 4));
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(random.main(), 18));
            users.put(username, password);
            InetAddress announced = announcedAddress(public4, public6, bind4, bind6);
            generated = new GeneratedUser(username, password,
                    iceServerJson(announced, options.listenPort, !options.noTcp, tlsPorts, username, password));
        }
        if (!users.isEmpty()) {
            authenticators.add(new StaticUsersAuthenticator(users));
        }
        if (options.authSecret != null) {
            if (options.authSecret.isEmpty()) {
                throw new ConfigurationException("--auth-secret", "the shared secret must not be empty");
            }
            authenticators.add(new TurnRestAuthenticator(options.authSecret));
        }
        PortalSettings portal = null;
        String realm = options.realm != null ? options.realm : STANDALONE_REALM;
        if (token != null) {
            String stampSecret = FirezoneAuthenticator.generateSecretHex(random.main());
            authenticators.add(new FirezoneAuthenticator(stampSecret));
            if (options.realm == null) {
                realm = FirezoneAuthenticator.REALM;
            }
            portal = new PortalSettings(apiUrl(options.apiUrl), token, options.name,
                    public4 == null ? null : public4.getHostAddress(), public6 == null ? null : public6.getHostAddress(),
                    options.listenPort, stampSecret, userAgent(), PortalSettings.PRODUCTION);
        } else {
            warnings.add("No FIREZONE_TOKEN: running standalone, not joined to a Firezone portal");
        }

        TransportProvider transport;
        try {
            transport = TransportProviders.select(options.transport == null ? null : options.transport.name());
        } catch (IllegalArgumentException e) {
            throw ConfigurationException.fromRelaySetting(String.valueOf(e.getMessage()), e);
        }

        if (options.metricsTopUsers < 0 || options.metricsTopUsers > TopUsers.MAX_REPORTED) {
            throw new ConfigurationException("--metrics-top-users", "must be 0 (none) to " + TopUsers.MAX_REPORTED + ", not "
                    + options.metricsTopUsers);
        }
        // TURN REST and Firezone usernames carry an expiry before the user: without it a user's credentials count as one.
        TopUsers topUsers = options.metricsTopUsers == 0 ? null : new TopUsers(options.metricsTopUsers,
                options.authSecret != null || token != null ? TopUsers.WITHOUT_EXPIRY : UnaryOperator.identity());

        RelayConfig config;
        RelayConfig.Builder builder = RelayConfig.builder();
        try {
            config = builder
                    .listenPort(options.listenPort)
                    .portRange(options.lowestPort, options.highestPort)
                    .bindIpv4(bind4)
                    .bindIpv6(relayIpv6 ? bind6 : null)
                    .publicIpv4(public4)
                    .publicIpv6(public6)
                    .realm(realm)
                    .software(options.software.isEmpty() ? null : options.software)
                    .authenticator(Authenticator.firstOf(authenticators.toArray(new Authenticator[0])))
                    .peerPolicy(policy.build())
                    .maxAllocationsPerUser(options.userQuota)
                    .maxAllocations(options.totalQuota)
                    .maxBps(options.maxBps)
                    .bpsCapacity(options.bpsCapacity)
                    .rfc5766ChannelNumbers(options.rfc5766ChannelNumbers)
                    .tcp(!options.noTcp)
                    .tls(tls)
                    .tlsListenPorts(tlsPorts)
                    .detectTls(options.detectTls)
                    .streams(streams)
                    .transport(transport.name())
                    .workers(options.workers)
                    .randomSource(random.perWorker())
                    .alternateServers(alternates)
                    .tlsAlternateServers(tlsAlternates)
                    .events(UsageLog.settings(topUsers))
                    .build();
        } catch (IllegalArgumentException e) {
            throw ConfigurationException.fromRelaySetting(String.valueOf(e.getMessage()), e);
        }
        return new RelaySetup(config, transport, healthCheckAddress(options.healthCheckAddr), options.logFormat, portal,
                generated, Duration.ofSeconds(options.tlsReloadInterval), List.copyOf(warnings),
                options.drainDeadline == null ? null : Duration.ofSeconds(options.drainDeadline), xdpSettings(options, config), topUsers,
                builder);
    }

    /** The relay configuration with {@code offload} as its fast path for bound channels. */
    RelayConfig relayConfig(ChannelOffload offload) {
        return configBuilder.channelOffload(offload).build();
    }

    /** The XDP program's settings from --xdp and the relay's ports, or null without --xdp. */
    private static @Nullable XdpSettings xdpSettings(RelayOptions options, RelayConfig config) throws ConfigurationException {
        if (options.xdpInterfaces.isEmpty()) {
            return null;
        }
        if (options.maxBps > 0 || options.bpsCapacity > 0) {
            // The program does not meter bandwidth, so the relay offloads no metered allocation: here, none at all.
            throw new ConfigurationException("--xdp", "cannot be combined with --max-bps or --bps-capacity: the XDP program does not meter"
                    + " bandwidth, so the relay would relay every channel itself");
        }
        List<Integer> udpPorts = config.listeners().stream().filter(l -> l.transport() == ClientTransport.UDP)
                .map(l -> l.address().getPort()).distinct().toList();
        try {
            return new XdpSettings(options.xdpInterfaces, options.xdpMode, udpPorts, config.lowestPort(), config.highestPort(),
                    config.rfc5766ChannelNumbers() ? 0x7FFF : 0x4FFF, options.xdpChannels);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(options.xdpChannels < 1 ? "--xdp-channels" : "--xdp", String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * The certificate of --tls-cert/--tls-key or --tls-pkcs12, read and checked now (so that a bad one stops the
     * start with the file and the reason), or null when none is configured.
     */
    private static @Nullable TlsCredentials tlsCredentials(RelayOptions options, Map<String, String> environment)
            throws ConfigurationException {
        boolean pem = options.tlsCert != null || options.tlsKey != null;
        if (pem && options.tlsPkcs12 != null) {
            throw new ConfigurationException("--tls-pkcs12", "cannot be combined with --tls-cert/--tls-key; give the certificate one way");
        }
        if (options.tlsPkcs12 != null) {
            Path file = path("--tls-pkcs12", options.tlsPkcs12);
            String password = environment.get(PKCS12_PASSWORD_VARIABLE);
            try {
                return TlsCredentials.fromPkcs12(file, password == null ? new char[0] : password.toCharArray());
            } catch (TlsCredentialsException e) {
                throw new ConfigurationException("--tls-pkcs12", String.valueOf(e.getMessage()), e);
            }
        }
        if (options.tlsCert == null && options.tlsKey == null) {
            return null;
        }
        if (options.tlsKey == null) {
            throw new ConfigurationException("--tls-cert", "needs --tls-key, the certificate's private key (unencrypted PKCS#8 PEM)");
        }
        if (options.tlsCert == null) {
            throw new ConfigurationException("--tls-key", "needs --tls-cert, the certificate chain the key belongs to (PEM)");
        }
        Path certificate = path("--tls-cert", options.tlsCert);
        Path key = path("--tls-key", options.tlsKey);
        try {
            return TlsCredentials.fromPem(certificate, key);
        } catch (TlsCredentialsException e) {
            String option = e.file().equals(key) && !key.equals(certificate) ? "--tls-key" : "--tls-cert";
            throw new ConfigurationException(option, String.valueOf(e.getMessage()), e);
        }
    }

    /** The --tls-listen-port values, or 5349 when a certificate is configured and none is given. */
    private static List<Integer> tlsPorts(RelayOptions options, boolean certificate) throws ConfigurationException {
        if (options.tlsListenPorts.isEmpty()) {
            return certificate ? List.of(DEFAULT_TLS_PORT) : List.of();
        }
        if (!certificate) {
            throw new ConfigurationException("--tls-listen-port", "needs a certificate (" + CERTIFICATE_OPTIONS + ")");
        }
        Set<Integer> seen = new HashSet<>();
        for (int port : options.tlsListenPorts) {
            if (port < 1 || port > 65535) {
                throw new ConfigurationException("--tls-listen-port", port + " is not a TCP port (1-65535)");
            }
            if (!seen.add(port)) {
                throw new ConfigurationException("--tls-listen-port", port + " is given twice");
            }
            if (port == options.listenPort && !options.noTcp) {
                throw new ConfigurationException("--tls-listen-port", port + " is the TCP listen port as well; serve both there with"
                        + " --detect-tls, or drop TCP with --no-tcp");
            }
        }
        return List.copyOf(options.tlsListenPorts);
    }

    private static StreamSettings streams(RelayOptions options) throws ConfigurationException {
        if (options.streamSendQueue < StreamSettings.MIN_SEND_QUEUE_BYTES) {
            throw new ConfigurationException("--stream-send-queue", "must be at least " + StreamSettings.MIN_SEND_QUEUE_BYTES
                    + " bytes (a largest STUN message and a largest ChannelData frame), not " + options.streamSendQueue);
        }
        if (options.maxConnectionsPerIp < 1) {
            throw new ConfigurationException("--max-connections-per-ip", "must be at least 1, not " + options.maxConnectionsPerIp);
        }
        if (options.maxConnections < 1) {
            throw new ConfigurationException("--max-connections", "must be at least 1, not " + options.maxConnections);
        }
        return new StreamSettings(options.streamSendQueue,
                seconds("--tls-handshake-timeout", options.tlsHandshakeTimeout),
                seconds("--allocate-timeout", options.allocateTimeout),
                seconds("--partial-frame-timeout", options.partialFrameTimeout),
                seconds("--send-stall-timeout", options.sendStallTimeout),
                options.maxConnectionsPerIp, options.maxConnections);
    }

    /** IP:PORT, [IPv6]:PORT, and for TLS alternates DOMAIN@IP:PORT; each alternate once. */
    private static List<AlternateServer> alternates(String option, List<String> texts, boolean tls) throws ConfigurationException {
        List<AlternateServer> alternates = new ArrayList<>();
        for (String text : texts) {
            AlternateServer alternate;
            try {
                alternate = AlternateServer.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(option, String.valueOf(e.getMessage()), e);
            }
            if (!tls && alternate.domain() != null) {
                throw new ConfigurationException(option, "'" + text + "': a domain (ALTERNATE-DOMAIN) is for TLS clients only;"
                        + " give it on --tls-alternate-server");
            }
            if (alternates.contains(alternate)) {
                throw new ConfigurationException(option, alternate + " is given twice");
            }
            alternates.add(alternate);
        }
        return List.copyOf(alternates);
    }

    private static Duration seconds(String option, int seconds) throws ConfigurationException {
        if (seconds < 1) {
            throw new ConfigurationException(option, "must be at least 1 second, not " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    private static Path path(String option, String text) throws ConfigurationException {
        if (text.isEmpty()) {
            throw new ConfigurationException(option, "the file name is empty");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigurationException(option, "'" + text + "' is not a file name (" + e.getReason() + ")", e);
        }
    }

    /** "Linux/6.8.0 relay/0.1.0 (amd64)", the User-Agent the portal sees. */
    static String userAgent() {
        return System.getProperty("os.name") + "/" + System.getProperty("os.version") + " relay/" + TurnrelayVersion.current()
                + " (" + System.getProperty("os.arch") + ")";
    }

    /** Where clients reach the relay: a public address, else a specific bind address (never a wildcard). */
    private static InetAddress announcedAddress(
            @Nullable InetAddress public4, @Nullable InetAddress public6, InetAddress bind4, InetAddress bind6) {
        if (public4 != null) {
            return public4;
        }
        if (public6 != null) {
            return public6;
        }
        // With no public address, at least one bind address is specific (else the host's address was detected).
        return bind4.isAnyLocalAddress() ? bind6 : bind4;
    }

    /**
     * {@code {"urls":["turn:H:3478?transport=udp","turn:H:3478?transport=tcp","turns:H:5349?transport=tcp"],...}}:
     * UDP, then TCP when it listens, then one {@code turns:} URL per TLS port.
     */
    static String iceServerJson(InetAddress address, int port, boolean tcp, List<Integer> tlsPorts, String username, String password) {
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        List<String> urls = new ArrayList<>();
        urls.add("turn:" + host + ":" + port + "?transport=udp");
        if (tcp) {
            urls.add("turn:" + host + ":" + port + "?transport=tcp");
        }
        for (int tlsPort : tlsPorts) {
            urls.add("turns:" + host + ":" + tlsPort + "?transport=tcp");
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("urls", urls);
        entry.put("username", username);
        entry.put("credential", password);
        try {
            return JSON.std.asString(entry);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the iceServers entry", e);
        }
    }

    private static Map<String, String> users(List<String> specs) throws ConfigurationException {
        Map<String, String> users = new LinkedHashMap<>();
        List<String> split = new ArrayList<>();
        for (String spec : specs) {
            // TURNRELAY_USERS holds several users separated by white space.
            for (String one : spec.strip().split("\\s+")) {
                if (!one.isEmpty()) {
                    split.add(one);
                }
            }
        }
        for (String spec : split) {
            int colon = spec.indexOf(':');
            if (colon < 0) {
                throw new ConfigurationException("--user", "'" + spec + "' has no ':' (expected NAME:PASSWORD)");
            }
            String name = spec.substring(0, colon);
            if (name.isEmpty()) {
                throw new ConfigurationException("--user", "empty user name (expected NAME:PASSWORD)");
            }
            if (colon == spec.length() - 1) {
                throw new ConfigurationException("--user", "user '" + name + "' has an empty password (expected NAME:PASSWORD)");
            }
            if (users.put(name, spec.substring(colon + 1)) != null) {
                throw new ConfigurationException("--user", "user '" + name + "' is given twice");
            }
        }
        return users;
    }

    private static CidrRange cidr(String option, String text) throws ConfigurationException {
        try {
            return CidrRange.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(option, String.valueOf(e.getMessage()), e);
        }
    }

    /** A numeric IPv4 or IPv6 literal; never a DNS lookup. */
    private static InetAddress address(String option, String text) throws ConfigurationException {
        if (text.indexOf('/') >= 0) {
            throw new ConfigurationException(option, "'" + text + "' is not an IP address (no prefix length here)");
        }
        try {
            CidrRange.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(option, "'" + text + "' is not a numeric IPv4 or IPv6 address", e);
        }
        return literal(text);
    }

    private static InetAddress literal(String numeric) {
        try {
            return InetAddress.getByName(numeric);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a checked literal did not parse: " + numeric, e);
        }
    }

    private static URI apiUrl(String text) throws ConfigurationException {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!List.of("ws", "wss", "http", "https").contains(scheme) || uri.getHost() == null) {
                throw new ConfigurationException("--api-url", "'" + text + "' is not a ws://, wss://, http:// or https:// URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigurationException("--api-url", "'" + text + "' is not a URL (" + e.getReason() + ")", e);
        }
    }

    /** HOST:PORT or [IPv6]:PORT. */
    static InetSocketAddress healthCheckAddress(String text) throws ConfigurationException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigurationException("--health-check-addr", "'" + text + "' is not HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new ConfigurationException("--health-check-addr", "'" + text + "': write an IPv6 address as [ADDRESS]:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigurationException("--health-check-addr", "'" + text.substring(colon + 1) + "' is not a port number", e);
        }
        if (port < 0 || port > 65535) {
            throw new ConfigurationException("--health-check-addr", port + " is not a TCP port (0-65535)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigurationException("--health-check-addr", "unknown host '" + host + "'", e);
        }
    }

    private static byte[] bytes(RandomGenerator random, int count) {
        byte[] bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * The process's random sources: one seeded SplittableRandom (split once per worker, in worker order) when
     * {@code --rng-seed} is given, else SecureRandom everywhere.
     */
    private record RandomSources(RandomGenerator main, Supplier<RandomGenerator> perWorker) {
        static RandomSources of(@Nullable Long seed) {
            if (seed == null) {
                return new RandomSources(new SecureRandom(), SecureRandom::new);
            }
            SplittableRandom root = new SplittableRandom(seed);
            SplittableRandom main = root.split();
            return new RandomSources(main, () -> {
                synchronized (root) {
                    return root.split();
                }
            });
        }
    }
}
