package io.turnrelay.xdp;

/** How the program attaches to an interface. */
public enum XdpMode {
    /** In the driver, before any socket buffer is made (the fast one; the driver must support XDP). */
    NATIVE,
    /** After the socket buffer is made, on any interface (slower; for drivers without XDP and for tests). */
    GENERIC
}
