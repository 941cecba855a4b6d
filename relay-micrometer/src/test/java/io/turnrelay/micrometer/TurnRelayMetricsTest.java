package io.turnrelay.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.metrics.RelayMetric;
import io.turnrelay.api.metrics.RelayMetrics;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.LoopbackRelayConfig;
import io.turnrelay.core.spi.SocketTurnClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binder against a real relay (relay-core with the NIO transport) and real UDP and TCP clients on loopback. */
class TurnRelayMetricsTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int CHANNEL = 0x4000;
    private static final int SENT = 7;
    private static final int SIZE = 100;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Relay relay;
    private InetSocketAddress server;

    @BeforeEach
    void startRelay() throws Exception {
        int listenPort = LoopbackPorts.freeUdpAndTcpPort();
        relay = Relay.create(LoopbackRelayConfig.builder(listenPort, 10, Map.of("alice", "wonderland", "bob", "builder")).build());
        resources.add(relay);
        relay.start();
        assertThat(relay.transportName()).isEqualTo("nio");
        assertThat(relay.listeners()).extracting(ClientListener::transport).contains(ClientTransport.UDP, ClientTransport.TCP);
        server = new InetSocketAddress(LOOPBACK, listenPort);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aSimpleRegistrySeesTheRelaysGaugesAndCountersByTransportDirectionAndReason() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new TurnRelayMetrics(relay, Tags.of("relay", "test-1"), Duration.ZERO).bindTo(registry);

        SocketTurnClient udp = relayDatagramsOverUdp();
        SocketTurnClient tcp = SocketTurnClient.tcp(LOOPBACK, server, "bob", "builder");
        resources.add(tcp);
        assertThat(tcp.allocate()).hasSize(1);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gauge(registry, "turnrelay.allocations", "transport", "udp")).isEqualTo(1);
            assertThat(gauge(registry, "turnrelay.allocations", "transport", "tcp")).isEqualTo(1);
            assertThat(gauge(registry, "turnrelay.allocations", "transport", "tls")).isEqualTo(0);
            assertThat(gauge(registry, "turnrelay.connections", "transport", "tcp")).isEqualTo(1);
            assertThat(counter(registry, "turnrelay.relayed.packets", "transport", "udp", "direction", "client_to_peer")).isEqualTo(SENT);
            assertThat(counter(registry, "turnrelay.relayed.bytes", "transport", "udp", "direction", "client_to_peer")).isEqualTo(SENT * SIZE);
            assertThat(counter(registry, "turnrelay.relayed.packets", "transport", "udp", "direction", "peer_to_client")).isEqualTo(1);
            assertThat(counter(registry, "turnrelay.relayed.packets", "transport", "tcp", "direction", "client_to_peer")).isEqualTo(0);
            // Registered once a snapshot showed them: the challenge and the success of each Allocate.
            assertThat(counter(registry, "turnrelay.responses", "transport", "udp", "method", "allocate", "code", "0")).isEqualTo(1);
            assertThat(counter(registry, "turnrelay.responses", "transport", "tcp", "method", "allocate", "code", "401")).isEqualTo(1);
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(counter(registry, "turnrelay.dropped.packets", "transport", "udp", "reason", "no_permission")).isEqualTo(1));
        assertThat(counter(registry, "turnrelay.dropped.packets", "transport", "none", "reason", "no_allocation")).isEqualTo(0);

        udp.refresh(0);
        tcp.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gauge(registry, "turnrelay.allocations", "transport", "udp")).isEqualTo(0);
            assertThat(counter(registry, "turnrelay.connections.closed", "transport", "tcp", "reason", "client_closed")).isEqualTo(1);
            FunctionTimer udpLifetimes = registry.get("turnrelay.allocation.duration").tags("transport", "udp").functionTimer();
            assertThat(udpLifetimes.count()).isEqualTo(1);
            assertThat(udpLifetimes.totalTime(TimeUnit.SECONDS)).isGreaterThanOrEqualTo(0).isLessThan(60);
            assertThat(registry.get("turnrelay.allocation.duration").tags("transport", "tcp").functionTimer().count()).isEqualTo(1);
        });
        for (String transport : List.of("tcp", "tls")) {
            for (CloseReason reason : CloseReason.values()) {
                assertThat(registry.find("turnrelay.connections.closed").tags("transport", transport, "reason", reason.label()).functionCounter())
                        .as(transport + " " + reason).isNotNull();
            }
        }
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getName()).startsWith("turnrelay.");
            assertThat(meter.getId().getTag("relay")).as(meter.getId().toString()).isEqualTo("test-1");
            assertThat(meter.getId().getTags()).as("no per-user tags").noneMatch(t -> t.getKey().contains("user"));
        }
    }

    @Test
    void thePrometheusRegistryExportsTheNamesRelayCliServes() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new TurnRelayMetrics(relay, Tags.empty(), Duration.ZERO).bindTo(registry);
        SocketTurnClient udp = relayDatagramsOverUdp();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(registry.scrape())
                .contains("turnrelay_relayed_packets_total{datapath=\"userspace\",direction=\"client_to_peer\",transport=\"udp\"} " + (double) SENT + "\n")
                .contains("turnrelay_relayed_bytes_total{datapath=\"userspace\",direction=\"client_to_peer\",transport=\"udp\"} " + (double) SENT * SIZE + "\n")
                .contains("turnrelay_allocations{transport=\"udp\"} 1.0\n"));
        udp.refresh(0);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(registry.scrape())
                .contains("turnrelay_allocation_duration_seconds_count{transport=\"udp\"} 1\n")
                .contains("turnrelay_allocations{transport=\"udp\"} 0.0\n"));

        String scrape = registry.scrape();
        assertThat(scrape).contains("# TYPE turnrelay_allocations gauge\n", "# TYPE turnrelay_relayed_packets_total counter\n",
                "# HELP turnrelay_allocations Active allocations, by client transport.\n");
        for (RelayMetric metric : RelayMetrics.all()) {
            String sample = switch (metric.type()) {
                case GAUGE -> metric.prometheusName() + "{";
                case COUNTER -> metric.prometheusName() + "_total";
                case HISTOGRAM -> metric.prometheusName() + "_count{";
            };
            if (metric.type() != RelayMetric.Type.HISTOGRAM || "seconds".equals(metric.unit())) {
                assertThat(scrape).as(metric.toString()).contains("\n" + sample);
            }
        }
    }

    @Test
    void oneSnapshotServesEveryMeterReadUntilItIsOlderThanTheReuseTime() throws Exception {
        AtomicInteger snapshots = new AtomicInteger();
        Relay counting = new CountingRelay(relay, snapshots);
        MockClock clock = new MockClock();
        SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
        new TurnRelayMetrics(counting, Tags.empty(), Duration.ofSeconds(10)).bindTo(registry);
        assertThat(snapshots).as("at bind").hasValue(1);

        SocketTurnClient udp = new SocketTurnClient(LOOPBACK, server, "alice", "wonderland");
        resources.add(udp);
        assertThat(udp.allocate()).hasSize(1);
        for (int scrape = 0; scrape < 3; scrape++) {
            readEveryMeter(registry);
        }
        assertThat(snapshots).as("within the reuse time").hasValue(1);
        assertThat(gauge(registry, "turnrelay.allocations", "transport", "udp")).as("the snapshot taken at bind").isEqualTo(0);

        clock.add(Duration.ofSeconds(10));
        readEveryMeter(registry);
        assertThat(snapshots).hasValue(2);
        assertThat(gauge(registry, "turnrelay.allocations", "transport", "udp")).isEqualTo(1);
    }

    /**
     * A UDP client relays {@link #SENT} ChannelData of {@link #SIZE} bytes to a peer, which answers once; a stranger's
     * datagram to the relayed address is dropped.
     */
    private SocketTurnClient relayDatagramsOverUdp() throws Exception {
        SocketTurnClient udp = new SocketTurnClient(LOOPBACK, server, "alice", "wonderland");
        resources.add(udp);
        InetSocketAddress relayed = udp.allocate().get(0);
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        resources.add(peer);
        peer.setSoTimeout(5_000);
        SocketTurnClient.requireSuccess(udp.channelBind(CHANNEL, (InetSocketAddress) peer.getLocalSocketAddress()));
        byte[] received = new byte[2048];
        for (int i = 0; i < SENT; i++) {
            udp.sendChannelData(CHANNEL, new byte[SIZE]);
            DatagramPacket packet = new DatagramPacket(received, received.length);
            peer.receive(packet);
            assertThat(packet.getLength()).isEqualTo(SIZE);
        }
        peer.send(new DatagramPacket(new byte[SIZE], SIZE, relayed));
        assertThat(udp.receiveData(5_000)).as("the peer's answer").isNotNull();
        // From an address without a permission: dropped, counted for the allocation's client transport.
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            stranger.send(new DatagramPacket(new byte[8], 8, relayed));
        }
        return udp;
    }

    private static void readEveryMeter(MeterRegistry registry) {
        for (Meter meter : registry.getMeters()) {
            meter.measure().forEach(measurement -> measurement.getValue());
        }
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    private static double counter(MeterRegistry registry, String name, String... tags) {
        FunctionCounter counter = registry.find(name).tags(tags).functionCounter();
        assertThat(counter).as(name + " " + List.of(tags)).isNotNull();
        return counter.count();
    }

    /** The real relay, counting its snapshots. */
    private record CountingRelay(Relay relay, AtomicInteger snapshots) implements Relay {
        @Override
        public void start() {
            throw new UnsupportedOperationException("started already");
        }

        @Override
        public void close() {
            relay.close();
        }

        @Override
        public RelayStats stats() {
            snapshots.incrementAndGet();
            return relay.stats();
        }

        @Override
        public List<InetSocketAddress> listenAddresses() {
            return relay.listenAddresses();
        }

        @Override
        public String transportName() {
            return relay.transportName();
        }

        @Override
        public CompletableFuture<Void> drain(Duration deadline) {
            return relay.drain(deadline);
        }

        @Override
        public boolean draining() {
            return relay.draining();
        }
    }
}
