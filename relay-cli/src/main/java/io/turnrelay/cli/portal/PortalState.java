package io.turnrelay.cli.portal;

/** Where the portal connection stands; {@code /readyz} needs {@link #JOINED} when a token is configured. */
public enum PortalState {
    /** Connecting or joining for the first time. */
    CONNECTING,
    /** Joined to the {@code relay} topic. */
    JOINED,
    /** Lost after having been joined; reconnecting with backoff. */
    RECONNECTING,
    /** Gave up for good (token rejected or expired, join refused, retries exhausted); see {@link PortalListener#onFatal}. */
    FAILED,
    /** Closed by {@link PortalClient#close()}. */
    STOPPED
}
