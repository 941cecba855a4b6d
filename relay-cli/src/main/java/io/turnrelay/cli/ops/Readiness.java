package io.turnrelay.cli.ops;

import io.turnrelay.cli.portal.PortalState;
import org.jspecify.annotations.Nullable;

/** When {@code /readyz} says yes: the relay serves and, when a portal is configured, it is joined. */
public final class Readiness {
    private Readiness() {}

    /** {@code portal} is null in standalone mode (no token). */
    public static boolean isReady(boolean relayServing, @Nullable PortalState portal) {
        return relayServing && (portal == null || portal == PortalState.JOINED);
    }
}
