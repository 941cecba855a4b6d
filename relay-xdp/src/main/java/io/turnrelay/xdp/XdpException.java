package io.turnrelay.xdp;

/** The program could not be loaded, verified or attached; the message names the cause. */
public final class XdpException extends Exception {
    private static final long serialVersionUID = 1L;

    public XdpException(String message) {
        super(message);
    }
}
