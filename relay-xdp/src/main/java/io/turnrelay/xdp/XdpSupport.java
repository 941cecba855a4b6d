package io.turnrelay.xdp;

/**
 * Whether this build and this machine can run the program at all (before trying to load it).
 *
 * @param available true when the program and its native library are in this build and the library loads
 * @param reason why not, when not available (e.g. "relay-xdp was built without clang")
 */
public record XdpSupport(boolean available, String reason) {}
