package io.turnrelay.cli;

/**
 * Entry point of the standalone relay. Until the transports exist (issue 4) it only says what it will do.
 */
public final class RelayCli {
    private RelayCli() {}

    public static void main(String[] args) {
        System.out.println("turnrelay " + RelayCli.class.getPackage().getImplementationVersion()
                + ": the standalone relay is not wired yet. It will listen on UDP 3478, relay ports 49152-65535,"
                + " and print credentials for a WebRTC iceServers entry.");
    }
}
