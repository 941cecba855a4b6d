package io.turnrelay.api;

/** The relay could not start; the message names the address or setting at fault. */
public final class RelayStartException extends Exception {
    private static final long serialVersionUID = 1L;

    public RelayStartException(String message, Throwable cause) {
        super(message, cause);
    }

    public RelayStartException(String message) {
        super(message);
    }
}
