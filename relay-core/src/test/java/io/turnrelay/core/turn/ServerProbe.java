package io.turnrelay.core.turn;

/** Public view of the server's package-private test hooks, for the fuzz and flood tests in other packages. */
public final class ServerProbe {
    private ServerProbe() {}

    /** How many internal exceptions the server's last-resort guard swallowed; a bug when not 0. */
    public static long guardTrips(TurnServer server) {
        return server.guardTrips();
    }

    /** Allocations, pending Allocates, reservations and deadline entries the server holds. */
    public static int heldObjects(TurnServer server) {
        return server.heldObjects();
    }

    /** Allocations, live or pending, that the server's ledger counts. */
    public static int ledgerAllocations(TurnServer server) {
        return server.ledgerAllocations();
    }

    /** Relay ports not held by anything. */
    public static int freePorts(TurnServer server) {
        return server.freePorts();
    }
}
