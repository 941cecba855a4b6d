package io.turnrelay.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import io.turnrelay.api.Authenticator;
import io.turnrelay.api.CidrRange;
import io.turnrelay.api.FirezoneAuthenticator;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.api.TurnRestAuthenticator;
import io.turnrelay.cli.portal.PortalSettings;
import io.turnrelay.core.spi.TransportProvider;
import io.turnrelay.core.relay.TransportProviders;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Everything the process runs with, checked: the relay configuration, the transport, the operations address,
 * the portal settings (with a token) and the generated user (embedded default). Built by {@link #from}, which
 * throws {@link ConfigurationException} naming the option at fault.
 *
 * @param warnings things the operator should hear about once logging runs (e.g. the 127.0.0.1 fallback)
 */
record RelaySetup(
        RelayConfig relayConfig,
        TransportProvider transport,
        InetSocketAddress healthCheckAddress,
        RelayOptions.LogFormat logFormat,
        @Nullable PortalSettings portal,
        @Nullable GeneratedUser generatedUser,
        List<String> warnings) {

    static final String TOKEN_VARIABLE = "FIREZONE_TOKEN";
    static final String STANDALONE_REALM = "turnrelay";

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

        List<Authenticator> authenticators = new ArrayList<>();
        Map<String, String> users = users(options.users);
        GeneratedUser generated = null;
        if (users.isEmpty() && options.authSecret == null && token == null) {
            String username = "user-" + HexFormat.of().formatHex(bytes(random.main(), 4));
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(random.main(), 18));
            users.put(username, password);
            InetAddress announced = announcedAddress(public4, public6, bind4, bind6);
            generated = new GeneratedUser(username, password, iceServerJson(announced, options.listenPort, username, password));
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

        RelayConfig config;
        try {
            config = RelayConfig.builder()
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
                    .rfc5766ChannelNumbers(options.rfc5766ChannelNumbers)
                    .transport(transport.name())
                    .workers(options.workers)
                    .randomSource(random.perWorker())
                    .build();
        } catch (IllegalArgumentException e) {
            throw ConfigurationException.fromRelaySetting(String.valueOf(e.getMessage()), e);
        }
        return new RelaySetup(config, transport, healthCheckAddress(options.healthCheckAddr), options.logFormat, portal,
                generated, List.copyOf(warnings));
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

    static String iceServerJson(InetAddress address, int port, String username, String password) {
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("urls", "turn:" + host + ":" + port + "?transport=udp");
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
