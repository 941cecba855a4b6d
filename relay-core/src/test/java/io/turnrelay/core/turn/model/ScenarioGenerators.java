package io.turnrelay.core.turn.model;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.List;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** QuickTheories generators of {@link Scenario}s: narrow port ranges, a few clients, mixed operations. */
final class ScenarioGenerators {
    private static final long MILLISECOND = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private ScenarioGenerators() {}

    static Gen<Scenario> scenarios(int minOperations, int maxOperations) {
        // Tiny ranges make 508 and port reuse common; the 16-port range lets allocations live long enough to relay.
        Gen<Integer> rangeSizes = Generate.pick(List.of(1, 2, 4, 4, 16, 16, 16, 16));
        Gen<Integer> clientCounts = integers().between(1, ScenarioRunner.CLIENTS.size());
        Gen<Integer> flags = integers().between(0, 15);
        Gen<List<Operation>> operations = lists().of(operations()).ofSizeBetween(minOperations, maxOperations);
        return rangeSizes.zip(clientCounts, flags, longs().all(), operations,
                (range, clients, flag, seed, ops) -> new Scenario(range, (flag & 1) != 0, clients, (flag & 2) != 0, (flag & 4) != 0, (flag & 8) != 0, seed, ops));
    }

    static Gen<Operation> operations() {
        // Most operations come from a few clients, so that they meet their own allocations often.
        Gen<Integer> clients = Generate.frequency(
                Pair.of(8, integers().between(0, 2)), Pair.of(2, integers().between(3, ScenarioRunner.CLIENTS.size() - 1)));
        Gen<Integer> peers = Generate.frequency(Pair.of(10, integers().between(0, 4)), Pair.of(1, integers().between(5, 6)));
        Gen<Boolean> otherUser = Generate.frequency(Pair.of(6, Generate.constant(false)), Pair.of(1, Generate.constant(true)));
        Gen<Long> allocateLifetimes = Generate.pick(Arrays.asList(null, 60L, 300L, 600L, 1200L, 3600L, 7200L));
        Gen<Long> refreshLifetimes = Generate.pick(Arrays.asList(null, 0L, 0L, 60L, 600L, 5000L));
        Gen<Integer> channels = Generate.frequency(
                Pair.of(12, Generate.pick(List.of(0x4000, 0x4001, 0x4002, 0x4FFF))),
                Pair.of(4, Generate.pick(List.of(0x3FFF, 0x5000, 0x7FFF, 0x8000))));
        Gen<Integer> payloadLengths = Generate.frequency(Pair.of(6, integers().between(0, 40)), Pair.of(1, integers().between(41, 600)));

        Gen<Operation.EvenPort> evenPorts = Generate.frequency(
                Pair.of(6, Generate.constant(Operation.EvenPort.NONE)),
                Pair.of(1, Generate.constant(Operation.EvenPort.EVEN)),
                Pair.of(2, Generate.constant(Operation.EvenPort.EVEN_AND_RESERVE_NEXT)));
        Gen<Operation> allocate = clients.zip(otherUser, allocateLifetimes, Generate.enumValues(Operation.Families.class), evenPorts,
                Operation.Allocate::new);
        Gen<Integer> tokenChoices = Generate.frequency(
                Pair.of(1, Generate.constant(-1)), Pair.of(4, Generate.constant(0)), Pair.of(1, integers().between(1, 3)));
        Gen<Operation> allocateWithToken = clients.zip(otherUser, tokenChoices, Operation.AllocateWithToken::new);
        Gen<Operation> refresh = clients.zip(otherUser, refreshLifetimes, Operation.Refresh::new);
        Gen<Operation> createPermission = clients.zip(otherUser, lists().of(peers).ofSizeBetween(1, 2),
                Operation.CreatePermission::new);
        Gen<Operation> channelBind = clients.zip(otherUser, channels, peers, Operation.ChannelBind::new);
        Gen<Operation> channelData = clients.zip(channels, payloadLengths, booleans().all(), Operation.ChannelDataFromClient::new);
        Gen<Operation> send = clients.zip(peers, payloadLengths, booleans().all(), Operation.SendIndication::new);
        Gen<Boolean> mostlyTrue = Generate.frequency(Pair.of(4, Generate.constant(true)), Pair.of(1, Generate.constant(false)));
        Gen<Operation> peerDatagram = peers.zip(integers().between(0, 15), payloadLengths, mostlyTrue, Operation.PeerDatagram::new);
        Gen<Operation> garbage = clients.zip(Generate.enumValues(Operation.Garbage.class), longs().all(), Operation.ClientGarbage::new);
        Gen<Long> jumps = Generate.frequency(
                Pair.of(6, longs().between(MILLISECOND, 5 * SECOND)),
                Pair.of(3, longs().between(30 * SECOND, 320 * SECOND)),
                Pair.of(2, longs().between(290 * SECOND, 700 * SECOND)),
                Pair.of(1, longs().between(3000 * SECOND, 4000 * SECOND)));
        Gen<Operation> advance = jumps.zip(Generate.enumValues(Operation.Timer.class), Operation.Advance::new);
        Gen<Operation> retransmit = clients.map(Operation.RetransmitAllocate::new);
        Gen<Operation> toDeadline = Generate.pick(List.of(-1L, 0L, 0L, 1L)).map(Operation.AdvanceToDeadline::new);

        return Generate.frequency(List.of(
                Pair.of(14, allocate),
                Pair.of(5, allocateWithToken),
                Pair.of(5, refresh),
                Pair.of(9, createPermission),
                Pair.of(9, channelBind),
                Pair.of(12, channelData),
                Pair.of(10, send),
                Pair.of(14, peerDatagram),
                Pair.of(5, garbage),
                Pair.of(3, retransmit),
                Pair.of(2, Generate.constant((Operation) new Operation.ProbeAllFlows())),
                Pair.of(1, Generate.constant((Operation) new Operation.StopAccepting())),
                Pair.of(1, Generate.constant((Operation) new Operation.ReleaseAll())),
                Pair.of(7, advance),
                Pair.of(4, toDeadline)));
    }
}
