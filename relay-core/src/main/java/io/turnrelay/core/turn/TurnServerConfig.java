package io.turnrelay.core.turn;

import io.turnrelay.api.Authenticator;
import io.turnrelay.api.PeerAddressPolicy;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link TurnServer} is configured with. Immutable; build with {@link #builder()}.
 * {@code build()} rejects inconsistent settings with an IllegalArgumentException naming the setting.
 */
public final class TurnServerConfig {

    public static Builder builder() { throw new UnsupportedOperationException("server skeleton"); }

    public String realm() { throw new UnsupportedOperationException("server skeleton"); }

    /** SOFTWARE attribute text, or null to send none. */
    public @Nullable String software() { throw new UnsupportedOperationException("server skeleton"); }

    public int lowestPort() { throw new UnsupportedOperationException("server skeleton"); }

    /** Inclusive. */
    public int highestPort() { throw new UnsupportedOperationException("server skeleton"); }

    /** Announced in XOR-RELAYED-ADDRESS for IPv4 allocations; null when IPv4 is not served. */
    public @Nullable InetAddress publicIpv4() { throw new UnsupportedOperationException("server skeleton"); }

    public @Nullable InetAddress publicIpv6() { throw new UnsupportedOperationException("server skeleton"); }

    public Authenticator authenticator() { throw new UnsupportedOperationException("server skeleton"); }

    public PeerAddressPolicy peerPolicy() { throw new UnsupportedOperationException("server skeleton"); }

    /** Wall-clock unix seconds, for credential expiry only; the core never reads a clock itself. */
    public LongSupplier unixClock() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration defaultLifetime() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration maxLifetime() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration permissionLifetime() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration channelLifetime() { throw new UnsupportedOperationException("server skeleton"); }

    /** How long an expired channel's number and peer stay reserved for the same pair. */
    public Duration channelCooldown() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration nonceValidity() { throw new UnsupportedOperationException("server skeleton"); }

    public Duration reservationLifetime() { throw new UnsupportedOperationException("server skeleton"); }

    public int maxAllocationsPerUser() { throw new UnsupportedOperationException("server skeleton"); }

    public int maxAllocations() { throw new UnsupportedOperationException("server skeleton"); }

    /** Firezone behaviour: a user's new Allocate replaces its previous allocation. */
    public boolean oneAllocationPerUsername() { throw new UnsupportedOperationException("server skeleton"); }

    /** Also accept channel numbers 0x5000-0x7FFF (RFC 5766), as older clients use. */
    public boolean rfc5766ChannelNumbers() { throw new UnsupportedOperationException("server skeleton"); }

    /** Builder with the defaults of a production relay. */
    public static final class Builder {
        private Builder() {}

        /** Default "turnrelay". */
        public Builder realm(String realm) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default "turnrelay"; null sends no SOFTWARE. */
        public Builder software(@Nullable String software) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 49152-65535 (inclusive). */
        public Builder portRange(int lowest, int highest) { throw new UnsupportedOperationException("server skeleton"); }

        /** At least one of IPv4/IPv6 is required. */
        public Builder publicIpv4(@Nullable InetAddress address) { throw new UnsupportedOperationException("server skeleton"); }

        public Builder publicIpv6(@Nullable InetAddress address) { throw new UnsupportedOperationException("server skeleton"); }

        /** Required. */
        public Builder authenticator(Authenticator authenticator) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default {@link PeerAddressPolicy#defaults()}. */
        public Builder peerPolicy(PeerAddressPolicy policy) { throw new UnsupportedOperationException("server skeleton"); }

        /** Required. */
        public Builder unixClock(LongSupplier unixSeconds) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 600 s. */
        public Builder defaultLifetime(Duration lifetime) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 3600 s. */
        public Builder maxLifetime(Duration lifetime) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 300 s. */
        public Builder permissionLifetime(Duration lifetime) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 600 s. */
        public Builder channelLifetime(Duration lifetime) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 300 s. */
        public Builder channelCooldown(Duration cooldown) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 600 s. */
        public Builder nonceValidity(Duration validity) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 30 s. */
        public Builder reservationLifetime(Duration lifetime) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default 10. */
        public Builder maxAllocationsPerUser(int max) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default: the number of ports in the range. */
        public Builder maxAllocations(int max) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default false. */
        public Builder oneAllocationPerUsername(boolean enabled) { throw new UnsupportedOperationException("server skeleton"); }

        /** Default false. */
        public Builder rfc5766ChannelNumbers(boolean enabled) { throw new UnsupportedOperationException("server skeleton"); }

        public TurnServerConfig build() { throw new UnsupportedOperationException("server skeleton"); }
    }
}
