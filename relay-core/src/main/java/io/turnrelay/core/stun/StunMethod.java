package io.turnrelay.core.stun;

/**
 * STUN/TURN method numbers (RFC 8489 §18.2, RFC 8656 §17). Methods stay plain {@code int}s because a
 * request may carry a method this server does not know, and it still has to answer it with 400.
 */
public final class StunMethod {
    public static final int BINDING = 0x001;
    public static final int ALLOCATE = 0x003;
    public static final int REFRESH = 0x004;
    public static final int SEND = 0x006;
    public static final int DATA = 0x007;
    public static final int CREATE_PERMISSION = 0x008;
    public static final int CHANNEL_BIND = 0x009;

    /** Largest method number the 12 method bits can hold. */
    public static final int MAX = 0xFFF;

    private StunMethod() {}

    /** A readable name for logs and metrics, e.g. {@code "allocate"}; {@code "0x0abc"} for unknown ones. */
    public static String name(int method) {
        switch (method) {
            case BINDING: return "binding";
            case ALLOCATE: return "allocate";
            case REFRESH: return "refresh";
            case SEND: return "send";
            case DATA: return "data";
            case CREATE_PERMISSION: return "create-permission";
            case CHANNEL_BIND: return "channel-bind";
            default: return String.format("0x%04x", method);
        }
    }
}
