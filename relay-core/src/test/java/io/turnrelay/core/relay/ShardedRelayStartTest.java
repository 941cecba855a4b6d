package io.turnrelay.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.LoopbackRelayConfig;
import io.turnrelay.core.spi.RelaySink;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;
import io.turnrelay.core.stun.AddressFamily;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The order in which a sharded relay brings its transports up and down, on transports that only record calls. */
class ShardedRelayStartTest {
    private final List<String> calls = new ArrayList<>();
    private int failBindOfShard = -1;

    private final TransportProvider recording = new TransportProvider() {
        @Override
        public String name() {
            return "recording";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Transport create(String shardName) {
            return new RecordingTransport(shardName);
        }
    };

    private ShardedRelay relay(int workers) {
        return new ShardedRelay(LoopbackRelayConfig.builder(3478, 10, Map.of("alice", "secret")).workers(workers).build(), recording, null);
    }

    @Test
    void everyShardJoinsEverySharedListenerBeforeAnyShardStartsReading() throws Exception {
        try (ShardedRelay relay = relay(3)) {
            relay.start();
            int lastBind = calls.lastIndexOf("listen 2 tcp shared");
            assertThat(calls).contains("listen 0 udp shared", "listen 1 udp shared", "listen 2 udp shared",
                    "listen 0 tcp shared", "listen 1 tcp shared", "listen 2 tcp shared", "start 0", "start 1", "start 2");
            assertThat(calls.subList(0, lastBind + 1)).noneMatch(call -> call.startsWith("start"));
            assertThat(relay.listenAddresses()).containsExactly(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478));
            assertThat(relay.listeners()).containsExactly(
                    ClientListener.of(ClientTransport.UDP, InetAddress.getLoopbackAddress(), 3478),
                    ClientListener.of(ClientTransport.TCP, InetAddress.getLoopbackAddress(), 3478));
        }
        assertThat(calls).contains("close 0", "close 1", "close 2");
    }

    @Test
    void aDrainNeedsAStartedRelayAndWithoutAllocationsEveryShardHasDrainedAtOnce() throws Exception {
        try (ShardedRelay relay = relay(3)) {
            assertThatThrownBy(() -> relay.drain(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
            assertThat(relay.draining()).isFalse();
            relay.start();
            assertThatThrownBy(() -> relay.drain(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
            CompletableFuture<Void> drained = relay.drain(ChronoUnit.FOREVER.getDuration());
            assertThat(relay.draining()).isTrue();
            assertThat(drained).isDone();
            assertThat(calls).contains("execute 0", "execute 1", "execute 2");
            relay.close();
            assertThat(relay.drain(Duration.ZERO)).isDone();
        }
    }

    @Test
    void aSingleWorkerDoesNotShareTheListenPort() throws Exception {
        try (ShardedRelay relay = relay(1)) {
            relay.start();
            assertThat(calls).startsWith("listen 0 udp exclusive", "listen 0 tcp exclusive", "start 0");
        }
    }

    @Test
    void aListenPortThatCannotBeBoundClosesEveryTransportWithoutStartingOne() {
        failBindOfShard = 1;
        ShardedRelay relay = relay(3);
        assertThatThrownBy(relay::start).isInstanceOf(RelayStartException.class).hasMessageContaining("listener udp 127.0.0.1:3478");
        assertThat(calls).noneMatch(call -> call.startsWith("start") || call.startsWith("execute"));
        assertThat(calls).contains("close 0", "close 1", "close 2");
    }

    private final class RecordingTransport implements Transport {
        private final String shard;
        private boolean started;

        RecordingTransport(String shard) {
            this.shard = shard;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void listen(ClientListener listener, ListenOptions options) throws IOException {
            if (Integer.toString(failBindOfShard).equals(shard)) {
                throw new IOException(listener.address() + " is taken");
            }
            calls.add("listen " + shard + " " + listener.transport().label() + (options.reusePort() ? " shared" : " exclusive"));
        }

        @Override
        public void start(RelaySink sink) {
            started = true;
            calls.add("start " + shard);
        }

        @Override
        public boolean bindRelay(int port, AddressFamily family, InetAddress bindAddress) {
            return true;
        }

        @Override
        public void closeRelay(int port, AddressFamily family) {}

        @Override
        public boolean sendToPeer(int relayPort, ByteBuffer buffer, int offset, int length, InetSocketAddress peer) {
            return true;
        }

        @Override
        public boolean sendToClient(ClientLink client, ByteBuffer buffer, int offset, int length) {
            return true;
        }

        @Override
        public boolean relayToClient(ClientLink client, ByteBuffer buffer, int offset, int length) {
            return true;
        }

        @Override
        public boolean sendChannelData(ClientLink client, int channelNumber, ByteBuffer buffer, int payloadOffset, int payloadLength) {
            return true;
        }

        @Override
        public void closeClient(ClientLink client, CloseReason reason) {}

        @Override
        public void execute(Runnable task) {
            calls.add("execute " + shard);
            if (started) {
                task.run();
            }
        }

        @Override
        public long sendDrops() {
            return 0;
        }

        @Override
        public long queueDrops(ClientTransport transport) {
            return 0;
        }

        @Override
        public void close() {
            calls.add("close " + shard);
        }
    }
}
