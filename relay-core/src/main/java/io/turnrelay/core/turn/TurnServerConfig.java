package io.turnrelay.core.turn;

import io.turnrelay.api.AlternateServer;
import io.turnrelay.api.Authenticator;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link TurnServer} is configured with. Immutable; build with {@link #builder()}.
 * {@code build()} rejects inconsistent settings with an IllegalArgumentException naming the setting.
 */
public final class TurnServerConfig {
    private final String realm;
    private final @Nullable String software;
    private final int lowestPort;
    private final int highestPort;
    private final @Nullable InetAddress publicIpv4;
    private final @Nullable InetAddress publicIpv6;
    private final Authenticator authenticator;
    private final PeerAddressPolicy peerPolicy;
    private final LongSupplier unixClock;
    private final Duration defaultLifetime;
    private final Duration maxLifetime;
    private final Duration permissionLifetime;
    private final Duration channelLifetime;
    private final Duration channelCooldown;
    private final Duration nonceValidity;
    private final Duration reservationLifetime;
    private final Duration streamAllocateTimeout;
    private final int maxAllocationsPerUser;
    private final int maxPermissionsPerAllocation;
    private final int maxAllocations;
    private final boolean oneAllocationPerUsername;
    private final boolean rfc5766ChannelNumbers;
    private final List<AlternateServer> alternateServers;
    private final List<AlternateServer> tlsAlternateServers;
    private final long maxBps;
    private final long bpsCapacity;

    private TurnServerConfig(Builder b, Authenticator authenticator, LongSupplier unixClock, PeerAddressPolicy policy) {
        this.realm = b.realm;
        this.software = b.software;
        this.lowestPort = b.lowestPort;
        this.highestPort = b.highestPort;
        this.publicIpv4 = b.publicIpv4;
        this.publicIpv6 = b.publicIpv6;
        this.authenticator = authenticator;
        this.peerPolicy = policy;
        this.unixClock = unixClock;
        this.defaultLifetime = b.defaultLifetime;
        this.maxLifetime = b.maxLifetime;
        this.permissionLifetime = b.permissionLifetime;
        this.channelLifetime = b.channelLifetime;
        this.channelCooldown = b.channelCooldown;
        this.nonceValidity = b.nonceValidity;
        this.reservationLifetime = b.reservationLifetime;
        this.streamAllocateTimeout = b.streamAllocateTimeout;
        this.maxAllocationsPerUser = b.maxAllocationsPerUser;
        this.maxPermissionsPerAllocation = b.maxPermissionsPerAllocation;
        this.maxAllocations = b.maxAllocations > 0 ? b.maxAllocations : b.highestPort - b.lowestPort + 1;
        this.oneAllocationPerUsername = b.oneAllocationPerUsername;
        this.rfc5766ChannelNumbers = b.rfc5766ChannelNumbers;
        this.alternateServers = b.alternateServers;
        this.tlsAlternateServers = b.tlsAlternateServers;
        this.maxBps = b.maxBps;
        this.bpsCapacity = b.bpsCapacity;
    }

    public static Builder builder() { return new Builder(); }

    public String realm() { return realm; }

    /** SOFTWARE attribute text, or null to send none. */
    public @Nullable String software() { return software; }

    public int lowestPort() { return lowestPort; }

    /** Inclusive. */
    public int highestPort() { return highestPort; }

    /** Announced in XOR-RELAYED-ADDRESS for IPv4 allocations; null when IPv4 is not served. */
    public @Nullable InetAddress publicIpv4() { return publicIpv4; }

    public @Nullable InetAddress publicIpv6() { return publicIpv6; }

    public Authenticator authenticator() { return authenticator; }

    public PeerAddressPolicy peerPolicy() { return peerPolicy; }

    /** Wall-clock unix seconds, for credential expiry only; the core never reads a clock itself. */
    public LongSupplier unixClock() { return unixClock; }

    public Duration defaultLifetime() { return defaultLifetime; }

    public Duration maxLifetime() { return maxLifetime; }

    public Duration permissionLifetime() { return permissionLifetime; }

    public Duration channelLifetime() { return channelLifetime; }

    /** How long an expired channel's number and peer stay reserved for the same pair. */
    public Duration channelCooldown() { return channelCooldown; }

    public Duration nonceValidity() { return nonceValidity; }

    public Duration reservationLifetime() { return reservationLifetime; }

    /** How long a TCP or TLS client may stay connected without an allocation (default 30 s). */
    public Duration streamAllocateTimeout() { return streamAllocateTimeout; }

    public int maxAllocationsPerUser() { return maxAllocationsPerUser; }

    /** Peer IPs one allocation may hold permissions for; past it CreatePermission and ChannelBind get 508. */
    public int maxPermissionsPerAllocation() { return maxPermissionsPerAllocation; }

    public int maxAllocations() { return maxAllocations; }

    /** Firezone behaviour: a user's new Allocate replaces its previous allocation. */
    public boolean oneAllocationPerUsername() { return oneAllocationPerUsername; }

    /** Also accept channel numbers 0x5000-0x7FFF (RFC 5766), as older clients use. */
    public boolean rfc5766ChannelNumbers() { return rfc5766ChannelNumbers; }

    /**
     * Where an authenticated Allocate from a UDP or TCP client goes (300 Try Alternate) when the server is draining or
     * out of allocations or relay ports: round robin over those of the client's address family; none answers 508.
     */
    public List<AlternateServer> alternateServers() { return alternateServers; }

    /** The same for TLS clients; their domains go into ALTERNATE-DOMAIN. */
    public List<AlternateServer> tlsAlternateServers() { return tlsAlternateServers; }

    /**
     * Payload bytes per second an allocation relays each way unless its user's credential sets its own limit;
     * 0 for none. Datagrams over it are dropped ({@link DropReason#BANDWIDTH_LIMIT}).
     */
    public long maxBps() { return maxBps; }

    /**
     * Payload bytes per second this server relays each way over all its allocations, shared fairly among them
     * ({@link SharedCapacity}); 0 for none. Datagrams over it are dropped ({@link DropReason#RELAY_CAPACITY}). The
     * servers of one relay each get their share of the relay's capacity.
     */
    public long bpsCapacity() { return bpsCapacity; }

    /** Builder with the defaults of a production relay. */
    public static final class Builder {
        private String realm = "turnrelay";
        private @Nullable String software = "turnrelay";
        private int lowestPort = 49152;
        private int highestPort = 65535;
        private @Nullable InetAddress publicIpv4;
        private @Nullable InetAddress publicIpv6;
        private @Nullable Authenticator authenticator;
        private @Nullable PeerAddressPolicy peerPolicy;
        private @Nullable LongSupplier unixClock;
        private Duration defaultLifetime = Duration.ofSeconds(600);
        private Duration maxLifetime = Duration.ofSeconds(3600);
        private Duration permissionLifetime = Duration.ofSeconds(300);
        private Duration channelLifetime = Duration.ofSeconds(600);
        private Duration channelCooldown = Duration.ofSeconds(300);
        private Duration nonceValidity = Duration.ofSeconds(600);
        private Duration reservationLifetime = Duration.ofSeconds(30);
        private Duration streamAllocateTimeout = Duration.ofSeconds(30);
        private int maxAllocationsPerUser = 10;
        private int maxPermissionsPerAllocation = 1_000;
        private int maxAllocations;
        private boolean oneAllocationPerUsername;
        private boolean rfc5766ChannelNumbers;
        private List<AlternateServer> alternateServers = List.of();
        private List<AlternateServer> tlsAlternateServers = List.of();
        private long maxBps;
        private long bpsCapacity;

        private Builder() {}

        /** Default "turnrelay". */
        public Builder realm(String realm) { this.realm = Objects.requireNonNull(realm, "realm"); return this; }

        /** Default "turnrelay"; null sends no SOFTWARE. */
        public Builder software(@Nullable String software) { this.software = software; return this; }

        /** Default 49152-65535 (inclusive). */
        public Builder portRange(int lowest, int highest) {
            this.lowestPort = lowest;
            this.highestPort = highest;
            return this;
        }

        /** At least one of IPv4/IPv6 is required. */
        public Builder publicIpv4(@Nullable InetAddress address) { this.publicIpv4 = address; return this; }

        public Builder publicIpv6(@Nullable InetAddress address) { this.publicIpv6 = address; return this; }

        /** Required. */
        public Builder authenticator(Authenticator authenticator) { this.authenticator = authenticator; return this; }

        /** Default: {@link PeerAddressPolicy#defaults()} that also denies the public addresses set here. */
        public Builder peerPolicy(PeerAddressPolicy policy) { this.peerPolicy = policy; return this; }

        /** Required. */
        public Builder unixClock(LongSupplier unixSeconds) { this.unixClock = unixSeconds; return this; }

        /** Default 600 s. */
        public Builder defaultLifetime(Duration lifetime) { this.defaultLifetime = lifetime; return this; }

        /** Default 3600 s. */
        public Builder maxLifetime(Duration lifetime) { this.maxLifetime = lifetime; return this; }

        /** Default 300 s. */
        public Builder permissionLifetime(Duration lifetime) { this.permissionLifetime = lifetime; return this; }

        /** Default 600 s. */
        public Builder channelLifetime(Duration lifetime) { this.channelLifetime = lifetime; return this; }

        /** Default 300 s. */
        public Builder channelCooldown(Duration cooldown) { this.channelCooldown = cooldown; return this; }

        /** Default 600 s. */
        public Builder nonceValidity(Duration validity) { this.nonceValidity = validity; return this; }

        /** Default 30 s. */
        public Builder reservationLifetime(Duration lifetime) { this.reservationLifetime = lifetime; return this; }

        public Builder streamAllocateTimeout(Duration timeout) { this.streamAllocateTimeout = timeout; return this; }

        /** Default 10. */
        public Builder maxAllocationsPerUser(int max) { this.maxAllocationsPerUser = max; return this; }

        /** Default 1,000: an authenticated client cannot grow its allocation's state without bound. */
        public Builder maxPermissionsPerAllocation(int max) { this.maxPermissionsPerAllocation = max; return this; }

        /** Default: the number of ports in the range. */
        public Builder maxAllocations(int max) { this.maxAllocations = max; return this; }

        /** Default false. */
        public Builder oneAllocationPerUsername(boolean enabled) { this.oneAllocationPerUsername = enabled; return this; }

        /** Default false. */
        public Builder rfc5766ChannelNumbers(boolean enabled) { this.rfc5766ChannelNumbers = enabled; return this; }

        /** Default none. */
        public Builder alternateServers(List<AlternateServer> alternates) { this.alternateServers = List.copyOf(alternates); return this; }

        /** Default none. */
        public Builder tlsAlternateServers(List<AlternateServer> alternates) { this.tlsAlternateServers = List.copyOf(alternates); return this; }
        /** Default 0: no limit per allocation. */
        public Builder maxBps(long bytesPerSecond) { this.maxBps = bytesPerSecond; return this; }

        /** Default 0: no limit for the server. */
        public Builder bpsCapacity(long bytesPerSecond) { this.bpsCapacity = bytesPerSecond; return this; }

        public TurnServerConfig build() {
            require(!realm.isEmpty() && realm.length() < 128 && utf8Length(realm) <= 763,
                    "realm must have 1 to 127 characters and at most 763 UTF-8 bytes (RFC 8489 §14.9)");
            require(software == null || (software.length() < 128 && utf8Length(software) <= 763),
                    "software must have fewer than 128 characters and at most 763 UTF-8 bytes (RFC 8489 §14.14)");
            require(lowestPort >= 1 && highestPort <= 65535 && lowestPort <= highestPort,
                    "portRange must satisfy 1 <= lowest <= highest <= 65535");
            require(publicIpv4 != null || publicIpv6 != null, "publicIpv4/publicIpv6: at least one is required");
            require(publicIpv4 == null || publicIpv4 instanceof Inet4Address, "publicIpv4 must be an IPv4 address");
            require(publicIpv6 == null || publicIpv6 instanceof Inet6Address, "publicIpv6 must be an IPv6 address");
            require(authenticator != null, "authenticator is required");
            require(unixClock != null, "unixClock is required");
            positive(defaultLifetime, "defaultLifetime");
            positive(maxLifetime, "maxLifetime");
            require(defaultLifetime.compareTo(maxLifetime) <= 0, "defaultLifetime must not exceed maxLifetime");
            positive(permissionLifetime, "permissionLifetime");
            positive(channelLifetime, "channelLifetime");
            require(!channelCooldown.isNegative(), "channelCooldown must not be negative");
            positive(nonceValidity, "nonceValidity");
            positive(reservationLifetime, "reservationLifetime");
            positive(streamAllocateTimeout, "streamAllocateTimeout");
            require(maxAllocationsPerUser >= 1, "maxAllocationsPerUser must be at least 1");
            require(maxPermissionsPerAllocation >= 1, "maxPermissionsPerAllocation must be at least 1");
            require(maxAllocations >= 0, "maxAllocations must not be negative");
            require(maxBps >= 0 && maxBps <= RelayConfig.MAX_BPS, "maxBps must be 0 (no limit) to " + RelayConfig.MAX_BPS);
            require(bpsCapacity >= 0 && bpsCapacity <= RelayConfig.MAX_BPS, "bpsCapacity must be 0 (no limit) to " + RelayConfig.MAX_BPS);
            PeerAddressPolicy policy = peerPolicy != null ? peerPolicy : defaultPolicy(publicIpv4, publicIpv6);
            return new TurnServerConfig(this, authenticator, unixClock, policy);
        }

        /** The built-in deny list plus the relay's own public addresses. */
        private static PeerAddressPolicy defaultPolicy(@Nullable InetAddress ipv4, @Nullable InetAddress ipv6) {
            List<InetAddress> own = new ArrayList<>(2);
            if (ipv4 != null) {
                own.add(ipv4);
            }
            if (ipv6 != null) {
                own.add(ipv6);
            }
            return PeerAddressPolicy.builder().relayAddresses(own).build();
        }

        private static int utf8Length(String text) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }

        private static void positive(Duration d, String name) {
            require(d != null && !d.isNegative() && !d.isZero(), name + " must be positive");
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
