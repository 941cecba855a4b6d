package io.turnrelay.bench;

import io.turnrelay.api.RelayConfig;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.turn.DropReason;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnServer;
import java.nio.ByteBuffer;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The TURN data plane's decision cost: a client's ChannelData to a FORWARD_TO_PEER decision, and a peer's
 * datagram to a FORWARD_TO_CLIENT decision, over a server holding {@code allocations} relayed flows.
 * Each operation picks a random existing flow from a precomputed sequence, so lookups miss caches as
 * they would under real traffic, and nothing is allocated per operation (check with {@code -prof gc}).
 *
 * <p>For 100000, one server cannot hold 100,000 allocations (its port range has at most 64,512 ports):
 * it holds 64,512 allocations with 100,000 channels between them, each flow being one channel.
 *
 * <p>{@code limits=max-bps} puts every allocation under a max-bps, {@code bps-capacity} the server under a
 * bps-capacity, and {@code both} both, always so high that nothing is dropped: each operation then also takes from
 * the allocation's bucket, the server's, or both. Time advances by {@link #TICK_NANOS} per operation in every mode,
 * as it does for a real relay, so the buckets earn what they pay out; the trial fails if anything was dropped.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TurnDataPlaneBenchmark {
    /** Power of two, so the next flow index is a mask away. */
    private static final int SEQUENCE_LENGTH = 1 << 16;
    /** Virtual nanoseconds per operation: at the highest rates the buckets refill faster than 100 bytes per tick. */
    private static final long TICK_NANOS = 16;

    @Param({"1", "1000", "100000"})
    public int allocations;

    @Param({"off", "max-bps", "bps-capacity", "both"})
    public String limits;

    private TurnServer server;
    private Forwarding forwarding;
    private long now;
    private ByteBuffer clientFrames;
    private ByteBuffer peerDatagrams;
    private ClientLink[] clientOfFlow;
    private InetSocketAddress[] peerOfFlow;
    private int[] relayPortOfFlow;
    private int[] flowSequence;
    private int cursor;

    @Setup(Level.Trial)
    public void fillServer() {
        long maxBps = limits.equals("max-bps") || limits.equals("both") ? RelayConfig.MAX_BPS : 0;
        long bpsCapacity = limits.equals("bps-capacity") || limits.equals("both") ? RelayConfig.MAX_BPS : 0;
        BenchRelayFixture fixture = new BenchRelayFixture(allocations, maxBps, bpsCapacity);
        server = fixture.server;
        forwarding = server.forwarding();
        now = fixture.now;
        clientFrames = fixture.clientFrames;
        peerDatagrams = fixture.peerDatagrams;
        clientOfFlow = fixture.clientOfChannel;
        peerOfFlow = fixture.peerOfChannel;
        relayPortOfFlow = fixture.relayPortOfChannel;
        SplittableRandom random = new SplittableRandom(7);
        flowSequence = new int[SEQUENCE_LENGTH];
        for (int i = 0; i < SEQUENCE_LENGTH; i++) {
            flowSequence[i] = random.nextInt(allocations);
        }
    }

    /** The benchmarks must measure relaying, not drops. */
    @TearDown(Level.Trial)
    public void checkNothingWasDropped() {
        long dropped = server.stats().dropped(DropReason.BANDWIDTH_LIMIT) + server.stats().dropped(DropReason.RELAY_CAPACITY);
        if (dropped != 0) {
            throw new IllegalStateException(dropped + " datagrams dropped over a bandwidth limit");
        }
    }

    private int nextFlow() {
        cursor = (cursor + 1) & (SEQUENCE_LENGTH - 1);
        now += TICK_NANOS;
        return flowSequence[cursor];
    }

    @Benchmark
    public void clientChannelDataToPeer(Blackhole blackhole) {
        int flow = nextFlow();
        RelayAction action = server.handleClientMessage(clientOfFlow[flow], clientFrames, flow * BenchRelayFixture.CLIENT_FRAME_LENGTH,
                BenchRelayFixture.CLIENT_FRAME_LENGTH, now);
        blackhole.consume(action);
        blackhole.consume(forwarding.relayPort());
        blackhole.consume(forwarding.peer());
        blackhole.consume(forwarding.payloadOffset());
        blackhole.consume(forwarding.payloadLength());
    }

    @Benchmark
    public void peerDatagramToClient(Blackhole blackhole) {
        int flow = nextFlow();
        RelayAction action = server.handlePeerDatagram(peerDatagrams, flow * BenchRelayFixture.PEER_SLOT_LENGTH + 4,
                BenchRelayFixture.PAYLOAD_LENGTH, peerOfFlow[flow], relayPortOfFlow[flow], now);
        blackhole.consume(action);
        blackhole.consume(forwarding.client());
        blackhole.consume(forwarding.channelNumber());
        blackhole.consume(forwarding.payloadOffset());
        blackhole.consume(forwarding.payloadLength());
    }
}
