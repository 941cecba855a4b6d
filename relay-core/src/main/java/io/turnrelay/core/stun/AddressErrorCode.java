package io.turnrelay.core.stun;

/** The value of an ADDRESS-ERROR-CODE attribute (RFC 8656 §18.12). */
public record AddressErrorCode(AddressFamily family, int code, String reason) {}
