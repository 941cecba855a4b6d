package io.turnrelay.core.turn;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * What an authenticated Allocate asks for, checked against what this server offers (RFC 8656 §7.2):
 * transport, address families, lifetime, EVEN-PORT and RESERVATION-TOKEN. Either {@link #errorCode()}
 * is non-zero, or the other fields describe the allocation to make. Depends on nothing but the request.
 */
record AllocateTerms(
        int errorCode,
        boolean ipv4,
        boolean ipv6,
        @Nullable AddressFamily unservedFamily,
        long lifetimeSeconds,
        boolean evenPort,
        boolean reserveNext,
        boolean hasToken,
        long token) {

    private static final int UDP = 17;

    private static AllocateTerms refuse(int code) {
        return new AllocateTerms(code, false, false, null, 0, false, false, false, 0);
    }

    static AllocateTerms read(StunMessage message, TurnServerConfig config) {
        OptionalInt transport = message.requestedTransport();
        if (transport.isEmpty()) {
            return refuse(ErrorCode.BAD_REQUEST);
        }
        if (transport.getAsInt() != UDP) {
            return refuse(ErrorCode.UNSUPPORTED_TRANSPORT_PROTOCOL);
        }
        boolean hasRequestedFamily = message.has(AttributeType.REQUESTED_ADDRESS_FAMILY);
        boolean hasAdditionalFamily = message.has(AttributeType.ADDITIONAL_ADDRESS_FAMILY);
        OptionalLong token = message.reservationToken();
        if (token.isPresent() && (message.hasEvenPort() || hasRequestedFamily)) {
            return refuse(ErrorCode.BAD_REQUEST);
        }
        if (hasRequestedFamily && hasAdditionalFamily) {
            return refuse(ErrorCode.BAD_REQUEST);
        }
        boolean servesIpv4 = config.publicIpv4() != null;
        boolean servesIpv6 = config.publicIpv6() != null;
        boolean ipv4;
        boolean ipv6;
        AddressFamily unserved = null;
        if (hasAdditionalFamily) {
            // ADDITIONAL-ADDRESS-FAMILY may only ask for IPv6 on top of the default IPv4.
            if (message.additionalAddressFamilyCode().orElse(-1) != AddressFamily.IPV6.code()) {
                return refuse(ErrorCode.BAD_REQUEST);
            }
            ipv4 = servesIpv4;
            ipv6 = servesIpv6;
            unserved = !servesIpv4 ? AddressFamily.IPV4 : !servesIpv6 ? AddressFamily.IPV6 : null;
        } else {
            int family = hasRequestedFamily ? message.requestedAddressFamilyCode().orElse(-1) : AddressFamily.IPV4.code();
            ipv4 = family == AddressFamily.IPV4.code();
            ipv6 = family == AddressFamily.IPV6.code();
            if (!(ipv4 && servesIpv4) && !(ipv6 && servesIpv6)) {
                return refuse(ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED);
            }
        }
        // LIFETIME 0 makes no sense on Allocate: it gets the default, like an absent LIFETIME.
        long requested = message.lifetime().orElse(0);
        long seconds = requested == 0
                ? config.defaultLifetime().toSeconds()
                : Math.min(requested, config.maxLifetime().toSeconds());
        return new AllocateTerms(0, ipv4, ipv6, unserved, seconds, message.hasEvenPort(), message.evenPortReserveNext(),
                token.isPresent(), token.orElse(0));
    }
}
