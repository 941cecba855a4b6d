package io.turnrelay.core.turn.model;

import java.util.List;

/**
 * A generated run: a relay port range of {@code portRangeSize} ports (one of them possibly held by another
 * process so binds fail), {@code clientCount} clients, how the final "let everything expire" phase is
 * driven, whether a user's new allocation replaces its old one (Firezone mode), whether channel numbers
 * up to 0x7FFF (RFC 5766) are accepted, the server's random seed, and the operations.
 */
record Scenario(int portRangeSize, boolean portTakenByOtherProcess, int clientCount, boolean stepwiseEnd,
        boolean oneAllocationPerUsername, boolean rfc5766ChannelNumbers, long serverSeed, List<Operation> operations) {

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Scenario[ports=").append(portRangeSize)
                .append(", portTakenByOtherProcess=").append(portTakenByOtherProcess)
                .append(", clients=").append(clientCount)
                .append(", stepwiseEnd=").append(stepwiseEnd)
                .append(", oneAllocationPerUsername=").append(oneAllocationPerUsername)
                .append(", rfc5766ChannelNumbers=").append(rfc5766ChannelNumbers)
                .append(", serverSeed=").append(serverSeed).append("]");
        for (int i = 0; i < operations.size(); i++) {
            text.append("\n  #").append(i).append(' ').append(operations.get(i));
        }
        return text.toString();
    }
}
