package io.turnrelay.bench;

import io.turnrelay.core.spi.ClientLink;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The TURN data plane's decision cost: a client's ChannelData to a FORWARD_TO_PEER decision, and a peer's
 * datagram to a FORWARD_TO_CLIENT decision, over a server holding {@code allocations} relayed flows.
 * Each operation picks a random existing flow from a precomputed sequence, so lookups miss caches as
 * they would under real traffic, and nothing is allocated per operation (check with {@code -prof gc}).
 *
 * <p>For 100000, one server cannot hold 100,000 allocations (its port range has at most 64,512 ports):
 * it holds 64,512 allocations with 100,000 channels between them, each flow being one channel.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TurnDataPlaneBenchmark {
    /** Power of two, so the next flow index is a mask away. */
    private static final int SEQUENCE_LENGTH = 1 << 16;

    @Param({"1", "1000", "100000"})
    public int allocations;

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
        BenchRelayFixture fixture = new BenchRelayFixture(allocations);
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

    private int nextFlow() {
        cursor = (cursor + 1) & (SEQUENCE_LENGTH - 1);
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
