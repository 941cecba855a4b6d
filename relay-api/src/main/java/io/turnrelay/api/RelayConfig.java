package io.turnrelay.api;

import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.tls.TlsCredentials;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Everything an embedded {@link Relay} is configured with. Immutable; {@link Builder#build()} checks the
 * settings and throws {@link IllegalArgumentException} naming the bad one.
 */
public final class RelayConfig {
    /** The highest bandwidth limit in bytes per second: 2^33, about 68 Gbit/s. */
    public static final long MAX_BPS = 1L << 33;

    private final int listenPort;
    private final @Nullable InetAddress bindIpv4;
    private final @Nullable InetAddress bindIpv6;
    private final @Nullable InetAddress publicIpv4;
    private final @Nullable InetAddress publicIpv6;
    private final int lowestPort;
    private final int highestPort;
    private final String realm;
    private final @Nullable String software;
    private final Authenticator authenticator;
    private final PeerAddressPolicy peerPolicy;
    private final int maxAllocationsPerUser;
    private final int maxAllocations;
    private final boolean oneAllocationPerUsername;
    private final boolean rfc5766ChannelNumbers;
    private final Duration defaultLifetime;
    private final Duration maxLifetime;
    private final Duration nonceValidity;
    private final @Nullable String transport;
    private final int workers;
    private final Clock clock;
    private final Supplier<RandomGenerator> randomSource;
    private final List<ClientListener> listeners;
    private final StreamSettings streams;
    private final @Nullable TlsCredentials tls;
    private final List<AlternateServer> alternateServers;
    private final List<AlternateServer> tlsAlternateServers;
    private final EventSettings events;
    private final long maxBps;
    private final long bpsCapacity;
    private final @Nullable ChannelOffload channelOffload;

    private RelayConfig(Builder b, Authenticator authenticator, @Nullable InetAddress publicIpv4, @Nullable InetAddress publicIpv6,
            List<ClientListener> listeners) {
        this.listenPort = b.listenPort;
        this.bindIpv4 = b.bindIpv4;
        this.bindIpv6 = b.bindIpv6;
        this.publicIpv4 = publicIpv4;
        this.publicIpv6 = publicIpv6;
        this.lowestPort = b.lowestPort;
        this.highestPort = b.highestPort;
        this.realm = b.realm;
        this.software = b.software;
        this.authenticator = authenticator;
        this.peerPolicy = b.peerPolicy != null ? b.peerPolicy : PeerAddressPolicy.defaults();
        this.maxAllocationsPerUser = b.maxAllocationsPerUser;
        this.maxAllocations = b.maxAllocations;
        this.oneAllocationPerUsername = b.oneAllocationPerUsername;
        this.rfc5766ChannelNumbers = b.rfc5766ChannelNumbers;
        this.defaultLifetime = b.defaultLifetime;
        this.maxLifetime = b.maxLifetime;
        this.nonceValidity = b.nonceValidity;
        this.transport = b.transport;
        this.workers = b.workers;
        this.clock = b.clock;
        this.randomSource = b.randomSource;
        this.listeners = List.copyOf(listeners);
        this.streams = b.streams;
        this.tls = b.tls;
        this.alternateServers = b.alternateServers;
        this.tlsAlternateServers = b.tlsAlternateServers;
        this.events = b.events;
        this.maxBps = b.maxBps;
        this.bpsCapacity = b.bpsCapacity;
        this.channelOffload = b.channelOffload;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A bandwidth limit is 0 (none) to {@link #MAX_BPS} bytes per second. */
    static void requireBps(String setting, long bytesPerSecond) {
        if (bytesPerSecond < 0 || bytesPerSecond > MAX_BPS) {
            throw new IllegalArgumentException(setting + ": must be 0 (no limit) to " + MAX_BPS + " bytes per second, not " + bytesPerSecond);
        }
    }

    /** Port clients send STUN/TURN to over UDP, and over TCP unless that is switched off (default 3478). */
    public int listenPort() { return listenPort; }

    /**
     * Every address clients reach the relay on: the explicit {@link Builder#listeners} list, or else UDP (and TCP
     * unless {@link Builder#tcp} is off) on {@link #listenPort()} at each bind address, IPv6 first.
     */
    public List<ClientListener> listeners() { return listeners; }

    /** Limits for TCP and TLS clients. */
    public StreamSettings streams() { return streams; }

    /** The certificate TLS listeners present, or null when there are none. */
    public @Nullable TlsCredentials tls() { return tls; }

    /** Who receives the relay's events (allocations, usage, failed authentications); none by default. */
    public EventSettings events() { return events; }

    /** Local IPv4 address to listen and relay on (default the wildcard 0.0.0.0); null for no IPv4 sockets. */
    public @Nullable InetAddress bindIpv4() { return bindIpv4; }

    /** Local IPv6 address to listen and relay on (default none); {@code ::} for the wildcard. */
    public @Nullable InetAddress bindIpv6() { return bindIpv6; }

    /** Address announced in XOR-RELAYED-ADDRESS for IPv4 allocations; null when IPv4 is not relayed. */
    public @Nullable InetAddress publicIpv4() { return publicIpv4; }

    public @Nullable InetAddress publicIpv6() { return publicIpv6; }

    /** First relay port (default 49152). */
    public int lowestPort() { return lowestPort; }

    /** Last relay port, inclusive (default 65535). */
    public int highestPort() { return highestPort; }

    public String realm() { return realm; }

    public @Nullable String software() { return software; }

    public Authenticator authenticator() { return authenticator; }

    public PeerAddressPolicy peerPolicy() { return peerPolicy; }

    public int maxAllocationsPerUser() { return maxAllocationsPerUser; }

    /** Total allocations over all workers; 0 means as many as there are relay ports. */
    public int maxAllocations() { return maxAllocations; }

    public boolean oneAllocationPerUsername() { return oneAllocationPerUsername; }

    public boolean rfc5766ChannelNumbers() { return rfc5766ChannelNumbers; }

    public Duration defaultLifetime() { return defaultLifetime; }

    public Duration maxLifetime() { return maxLifetime; }

    public Duration nonceValidity() { return nonceValidity; }

    /** Transport name ("nio", "netty"), or null for the best one available. */
    public @Nullable String transport() { return transport; }

    /**
     * Shards, each with its own thread and server (default 1). They share the relay port range and the allocation
     * limits, so to clients they are one server.
     */
    public int workers() { return workers; }

    /** Wall clock for credential expiry. */
    public Clock clock() { return clock; }

    /** Makes one random source per worker (relay ports, nonce secrets, reservation tokens). */
    public Supplier<RandomGenerator> randomSource() { return randomSource; }

    /**
     * Where UDP and TCP clients are sent (300 Try Alternate, round robin over those of the client's address family)
     * when their authenticated Allocate finds the relay draining, its allocation quota used up or its relay ports all
     * taken; empty (the default) answers 508 instead.
     */
    public List<AlternateServer> alternateServers() { return alternateServers; }

    /** The same for TLS clients, with the domain their certificate check needs (ALTERNATE-DOMAIN). */
    public List<AlternateServer> tlsAlternateServers() { return tlsAlternateServers; }

    /**
     * Payload bytes per second one allocation may relay each way (coturn's max-bps), unless the user's credential
     * sets its own ({@link LongTermCredential#withMaxBps}); 0 (the default) for no limit.
     */
    public long maxBps() { return maxBps; }

    /**
     * Payload bytes per second the whole relay relays each way, over all allocations (coturn's bps-capacity); 0 (the
     * default) for no limit. Each of the {@link #workers()} gets an equal share.
     */
    public long bpsCapacity() { return bpsCapacity; }

    /**
     * The fast path the relay hands its bound channels of UDP clients to (e.g. relay-xdp's kernel data plane), or null
     * (the default) to relay everything itself. Channels of allocations under a bandwidth limit (their own, their
     * user's or the relay's {@link #bpsCapacity()}) are never offered: a fast path would relay them unmetered.
     */
    public @Nullable ChannelOffload channelOffload() { return channelOffload; }

    /** Builder with the defaults of a production relay. */
    public static final class Builder {
        private int listenPort = 3478;
        private @Nullable InetAddress bindIpv4 = wildcard(4);
        private @Nullable InetAddress bindIpv6;
        private @Nullable InetAddress publicIpv4;
        private @Nullable InetAddress publicIpv6;
        private int lowestPort = 49152;
        private int highestPort = 65535;
        private String realm = "turnrelay";
        private @Nullable String software = "turnrelay";
        private @Nullable Authenticator authenticator;
        private @Nullable PeerAddressPolicy peerPolicy;
        private int maxAllocationsPerUser = 10;
        private int maxAllocations;
        private boolean oneAllocationPerUsername;
        private boolean rfc5766ChannelNumbers;
        private Duration defaultLifetime = Duration.ofMinutes(10);
        private Duration maxLifetime = Duration.ofHours(1);
        private Duration nonceValidity = Duration.ofMinutes(10);
        private @Nullable String transport;
        private int workers = 1;
        private Clock clock = Clock.systemUTC();
        private Supplier<RandomGenerator> randomSource = SecureRandom::new;
        private boolean tcp = true;
        private @Nullable List<ClientListener> listeners;
        private StreamSettings streams = StreamSettings.defaults();
        private @Nullable TlsCredentials tls;
        private List<Integer> tlsListenPorts = List.of(5349);
        private boolean detectTls;
        private List<AlternateServer> alternateServers = List.of();
        private List<AlternateServer> tlsAlternateServers = List.of();
        private EventSettings events = EventSettings.none();
        private long maxBps;
        private long bpsCapacity;
        private @Nullable ChannelOffload channelOffload;

        private Builder() {}

        /** Listeners for the relay's events, e.g. {@code EventSettings.to(usageLog)}; see {@link EventSettings}. */
        public Builder events(EventSettings settings) { this.events = Objects.requireNonNull(settings, "events"); return this; }

        /** Bytes per second per allocation each way, 0 (default) for none; see {@link RelayConfig#maxBps()}. */
        public Builder maxBps(long bytesPerSecond) { this.maxBps = bytesPerSecond; return this; }

        /** Bytes per second for the whole relay each way, 0 (default) for none; see {@link RelayConfig#bpsCapacity()}. */
        public Builder bpsCapacity(long bytesPerSecond) { this.bpsCapacity = bytesPerSecond; return this; }

        /** A fast path for bound channels of UDP clients, null (default) for none; see {@link RelayConfig#channelOffload()}. */
        public Builder channelOffload(@Nullable ChannelOffload offload) { this.channelOffload = offload; return this; }

        /**
         * The certificate for TURN over TLS ({@code turns:}); with one, TLS listeners open on {@link #tlsListenPorts}
         * at each bind address. Null (the default) serves no TLS.
         */
        public Builder tls(@Nullable TlsCredentials credentials) { this.tls = credentials; return this; }

        /** TLS ports (default 5349; 443 is what clients behind strict firewalls reach). Empty for none. */
        public Builder tlsListenPorts(List<Integer> ports) { this.tlsListenPorts = List.copyOf(ports); return this; }

        /** The TCP listener on {@link #listenPort} also serves TLS, told apart by the first byte (needs {@link #tls}). */
        public Builder detectTls(boolean enabled) { this.detectTls = enabled; return this; }

        /** Also listen for TCP clients on {@link #listenPort} at each bind address (default on). */
        public Builder tcp(boolean enabled) { this.tcp = enabled; return this; }

        /**
         * The exact listeners, instead of those derived from the listen port and bind addresses: e.g. TCP on 443 as
         * well, or several IPs of one family. Each needs a bind address of its family for relaying.
         */
        public Builder listeners(List<ClientListener> listeners) { this.listeners = List.copyOf(listeners); return this; }

        public Builder streams(StreamSettings settings) { this.streams = Objects.requireNonNull(settings, "streams"); return this; }

        public Builder listenPort(int port) { this.listenPort = port; return this; }

        public Builder bindIpv4(@Nullable InetAddress address) { this.bindIpv4 = address; return this; }

        public Builder bindIpv6(@Nullable InetAddress address) { this.bindIpv6 = address; return this; }

        /** Defaults to {@link #bindIpv4} when that is a specific address. */
        public Builder publicIpv4(@Nullable InetAddress address) { this.publicIpv4 = address; return this; }

        /** Defaults to {@link #bindIpv6} when that is a specific address. */
        public Builder publicIpv6(@Nullable InetAddress address) { this.publicIpv6 = address; return this; }

        /** Relay ports, both inclusive. */
        public Builder portRange(int lowest, int highest) {
            this.lowestPort = lowest;
            this.highestPort = highest;
            return this;
        }

        public Builder realm(String realm) { this.realm = Objects.requireNonNull(realm, "realm"); return this; }

        /** SOFTWARE attribute text; null sends none. */
        public Builder software(@Nullable String software) { this.software = software; return this; }

        /** Required. */
        public Builder authenticator(Authenticator authenticator) { this.authenticator = authenticator; return this; }

        public Builder peerPolicy(PeerAddressPolicy policy) { this.peerPolicy = policy; return this; }

        public Builder maxAllocationsPerUser(int max) { this.maxAllocationsPerUser = max; return this; }

        /** 0 (the default) means one per relay port. */
        public Builder maxAllocations(int max) { this.maxAllocations = max; return this; }

        public Builder oneAllocationPerUsername(boolean enabled) { this.oneAllocationPerUsername = enabled; return this; }

        public Builder rfc5766ChannelNumbers(boolean enabled) { this.rfc5766ChannelNumbers = enabled; return this; }

        public Builder defaultLifetime(Duration lifetime) { this.defaultLifetime = Objects.requireNonNull(lifetime, "defaultLifetime"); return this; }

        public Builder maxLifetime(Duration lifetime) { this.maxLifetime = Objects.requireNonNull(lifetime, "maxLifetime"); return this; }

        public Builder nonceValidity(Duration validity) { this.nonceValidity = Objects.requireNonNull(validity, "nonceValidity"); return this; }

        /** "nio", "netty", or null (default) for the best available. */
        public Builder transport(@Nullable String name) { this.transport = name; return this; }

        public Builder workers(int workers) { this.workers = workers; return this; }

        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock, "clock"); return this; }

        public Builder randomSource(Supplier<RandomGenerator> source) { this.randomSource = Objects.requireNonNull(source, "randomSource"); return this; }

        /** Alternates for UDP and TCP clients, in round-robin order (coturn's {@code --alternate-server}); default none. */
        public Builder alternateServers(List<AlternateServer> alternates) { this.alternateServers = List.copyOf(alternates); return this; }

        /** Alternates for TLS clients (coturn's {@code --tls-alternate-server}); default none. */
        public Builder tlsAlternateServers(List<AlternateServer> alternates) { this.tlsAlternateServers = List.copyOf(alternates); return this; }

        public RelayConfig build() {
            Authenticator auth = authenticator;
            if (auth == null) {
                throw new IllegalArgumentException("authenticator: required (e.g. StaticUsersAuthenticator or TurnRestAuthenticator)");
            }
            requirePort("listenPort", listenPort);
            requirePort("portRange lowest", lowestPort);
            requirePort("portRange highest", highestPort);
            if (lowestPort > highestPort) {
                throw new IllegalArgumentException("portRange: lowest " + lowestPort + " is above highest " + highestPort);
            }
            if (listenPort >= lowestPort && listenPort <= highestPort) {
                throw new IllegalArgumentException("listenPort: " + listenPort + " lies inside the relay port range " + lowestPort + "-" + highestPort);
            }
            requireFamily("bindIpv4", bindIpv4, Inet4Address.class);
            requireFamily("bindIpv6", bindIpv6, Inet6Address.class);
            requireFamily("publicIpv4", publicIpv4, Inet4Address.class);
            requireFamily("publicIpv6", publicIpv6, Inet6Address.class);
            InetAddress public4 = publicIpv4 != null ? publicIpv4 : specific(bindIpv4);
            InetAddress public6 = publicIpv6 != null ? publicIpv6 : specific(bindIpv6);
            if (public4 != null && bindIpv4 == null) {
                throw new IllegalArgumentException("bindIpv4: required to relay IPv4 (publicIpv4 is " + public4.getHostAddress() + ")");
            }
            if (public6 != null && bindIpv6 == null) {
                throw new IllegalArgumentException("bindIpv6: required to relay IPv6 (publicIpv6 is " + public6.getHostAddress() + ")");
            }
            if (public4 == null && public6 == null) {
                throw new IllegalArgumentException("publicIpv4/publicIpv6: at least one public address is needed (it goes into XOR-RELAYED-ADDRESS)");
            }
            if (workers < 1 || workers > 1024) {
                throw new IllegalArgumentException("workers: must be 1-1024, not " + workers);
            }
            if (workers > highestPort - lowestPort + 1) {
                throw new IllegalArgumentException("workers: " + workers + " workers cannot share " + (highestPort - lowestPort + 1) + " relay ports");
            }
            if (maxAllocationsPerUser < 1) {
                throw new IllegalArgumentException("maxAllocationsPerUser: must be at least 1, not " + maxAllocationsPerUser);
            }
            if (maxAllocations < 0) {
                throw new IllegalArgumentException("maxAllocations: must be 0 (unlimited) or positive, not " + maxAllocations);
            }
            if (defaultLifetime.isNegative() || defaultLifetime.isZero() || maxLifetime.compareTo(defaultLifetime) < 0) {
                throw new IllegalArgumentException("defaultLifetime/maxLifetime: need 0 < default (" + defaultLifetime + ") <= max (" + maxLifetime + ")");
            }
            if (nonceValidity.isNegative() || nonceValidity.isZero()) {
                throw new IllegalArgumentException("nonceValidity: must be positive, not " + nonceValidity);
            }
            if (realm.isEmpty()) {
                throw new IllegalArgumentException("realm: must not be empty");
            }
            requireBps("maxBps", maxBps);
            requireBps("bpsCapacity", bpsCapacity);
            return new RelayConfig(this, auth, public4, public6, checkedListeners());
        }

        private List<ClientListener> checkedListeners() {
            List<ClientListener> chosen = listeners != null ? listeners : derivedListeners();
            if (chosen.isEmpty()) {
                throw new IllegalArgumentException("listeners: at least one is needed");
            }
            Set<String> seen = new HashSet<>();
            for (ClientListener listener : chosen) {
                int port = listener.address().getPort();
                requirePort("listener " + listener, port);
                if (port >= lowestPort && port <= highestPort) {
                    throw new IllegalArgumentException("listener " + listener + ": port " + port + " lies inside the relay port range "
                            + lowestPort + "-" + highestPort);
                }
                // TCP and TLS share the kernel's TCP port space, UDP has its own.
                String key = (listener.isStream() ? "stream " : "udp ") + listener.address();
                if (!seen.add(key)) {
                    throw new IllegalArgumentException("listener " + listener + ": given twice (a TLS and a TCP listener cannot share a port;"
                            + " a TCP listener with TLS detection serves both)");
                }
                if ((listener.transport() == ClientTransport.TLS || listener.detectTls()) && tls == null) {
                    throw new IllegalArgumentException("listener " + listener + ": TLS needs a certificate (tls)");
                }
                InetAddress ip = listener.address().getAddress();
                if (ip instanceof Inet4Address ? bindIpv4 == null : bindIpv6 == null) {
                    throw new IllegalArgumentException("listener " + listener + ": no bind address of its family to relay from (bindIpv4/bindIpv6)");
                }
            }
            return chosen;
        }

        private List<ClientListener> derivedListeners() {
            List<ClientListener> derived = new ArrayList<>();
            // The IPv6 wildcard first: where it is dual-stack, the IPv4 wildcard then shares its socket.
            for (InetAddress bind : new InetAddress[] {bindIpv6, bindIpv4}) {
                if (bind == null) {
                    continue;
                }
                derived.add(new ClientListener(ClientTransport.UDP, new InetSocketAddress(bind, listenPort), false));
                if (tcp) {
                    derived.add(new ClientListener(ClientTransport.TCP, new InetSocketAddress(bind, listenPort), detectTls));
                }
                if (tls != null) {
                    for (int port : tlsListenPorts) {
                        derived.add(new ClientListener(ClientTransport.TLS, new InetSocketAddress(bind, port), false));
                    }
                }
            }
            return derived;
        }

        private static void requirePort(String setting, int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(setting + ": " + port + " is not a UDP port (1-65535)");
            }
        }

        private static void requireFamily(String setting, @Nullable InetAddress address, Class<? extends InetAddress> family) {
            if (address != null && !family.isInstance(address)) {
                throw new IllegalArgumentException(setting + ": " + address.getHostAddress() + " is not an "
                        + (family == Inet4Address.class ? "IPv4" : "IPv6") + " address");
            }
        }

        private static @Nullable InetAddress specific(@Nullable InetAddress address) {
            return address == null || address.isAnyLocalAddress() ? null : address;
        }

        private static InetAddress wildcard(int version) {
            try {
                return InetAddress.getByAddress(new byte[version == 4 ? 4 : 16]);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }
}
