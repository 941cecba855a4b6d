package io.turnrelay.core.stun;

/** The value of an ICMP attribute (RFC 8656 §18.13): ICMP type, code and 32 bits of error data. */
public record Icmp(int type, int code, int errorData) {}
