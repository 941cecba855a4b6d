package io.turnrelay.api.events;

import java.util.Locale;

/** Why an allocation was deleted. */
public enum DeleteReason {
    /** Its lifetime passed without a Refresh. */
    EXPIRED,
    /** The client deleted it: a Refresh with LIFETIME 0. */
    CLIENT_DELETE,
    /** Its TCP or TLS connection closed (either side, any reason). */
    CONNECTION_CLOSED,
    /** The relay was draining and its deadline passed before the allocation ended by itself. */
    DRAINED,
    /** A newer allocation of the same user replaced it (one allocation per username). */
    REPLACED,
    /** The relay was closed. */
    SHUT_DOWN;

    /** The lower-case name used in logs and metrics: {@code expired}, {@code client_delete}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
