package io.turnrelay.core.spi;

import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.AuthenticationFailure;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.api.events.EventSettings;
import io.turnrelay.api.events.FiveTuple;
import io.turnrelay.api.events.RelayEvent;
import io.turnrelay.api.events.RelayEventListener;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import static io.turnrelay.core.spi.SocketTurnClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.AlternateServer;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.offload.OffloadCounters;
import io.turnrelay.api.offload.OffloadedChannel;
import io.turnrelay.core.relay.ShardedRelay;
import io.turnrelay.core.spi.SocketTurnClient.RelayedData;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.turn.TurnCommand;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TURN conformance suite over real loopback UDP sockets: a {@link ShardedRelay} on the transport under
 * test, driven by {@link SocketTurnClient}s and plain peer sockets. Each transport module extends it.
 */
public abstract class RelayConformanceTest {
    private static final InetAddress LOOPBACK4 = address("127.0.0.1");
    private static final InetAddress LOOPBACK6 = address("::1");
    private static final int WAIT_MS = 5_000;
    private static final String USER = "alice";
    private static final String PASSWORD = "wonderland";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private @Nullable ShardedRelay relay;
    private int listenPort;
    /** Where clients of {@link #clientTransport()} connect: the listen port, or the TLS port. */
    private int clientPort;
    private int lowestPort;
    private int highestPort;
    /** Set before {@link #startRelay} to watch the shards' events. */
    private io.turnrelay.core.relay.@Nullable RelayEventListener listener;

    /** The transport under test. */
    protected abstract TransportProvider provider();

    /** How the suite's clients reach the relay: every scenario runs over UDP, and again over TCP and TLS in subclasses. */
    protected ClientTransport clientTransport() {
        return ClientTransport.UDP;
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private ShardedRelay startRelay(int ports, Consumer<RelayConfig.Builder> settings) throws Exception {
        listenPort = LoopbackPorts.freeUdpAndTcpPort();
        clientPort = listenPort;
        int tlsPort = LoopbackPorts.freeTcpPort();
        RelayConfig config;
        int windows = 0;
        do {
            RelayConfig.Builder builder = LoopbackRelayConfig.builder(listenPort, ports, Map.of(USER, PASSWORD, "bob", "builder"));
            if (clientTransport() == ClientTransport.TLS) {
                builder.tls(TestTls.credentials()).tlsListenPorts(List.of(tlsPort));
                clientPort = tlsPort;
            }
            settings.accept(builder);
            config = builder.build();
            // Tests that fill the whole range need every port of it; another process may hold one of a window.
        } while (!LoopbackPorts.allBindable(config.lowestPort(), config.highestPort()) && ++windows < 10);
        lowestPort = config.lowestPort();
        highestPort = config.highestPort();
        ShardedRelay started = new ShardedRelay(config, provider(), listener);
        relay = started;
        started.start();
        return started;
    }

    private SocketTurnClient client(InetAddress local) throws IOException {
        return client(local, USER, PASSWORD);
    }

    private SocketTurnClient client(InetAddress local, String username, String password) throws IOException {
        return client(local, local, username, password);
    }

    private SocketTurnClient client(InetAddress local, InetAddress serverIp, String username, String password) throws IOException {
        InetSocketAddress server = new InetSocketAddress(serverIp, clientPort);
        SocketTurnClient client = SocketTurnClient.of(clientTransport(), local, server, username, password,
                clientTransport() == ClientTransport.TLS ? TestTls.clientContext() : null);
        resources.add(client);
        return client;
    }

    /** A successful Allocate of an IPv4 and an IPv6 relayed address; the addresses as the response lists them. */
    private static List<InetSocketAddress> allocateDualStack(SocketTurnClient client) throws IOException {
        StunMessage response = client.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6));
        SocketTurnClient.requireSuccess(response);
        return response.xorRelayedAddresses();
    }

    private DatagramSocket peer(InetAddress local) throws SocketException {
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(local, 0));
        peer.setSoTimeout(WAIT_MS);
        resources.add(peer);
        return peer;
    }

    @Test
    void bindingReturnsTheReflexiveAddress() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        assertThat(client.binding()).isEqualTo(client.localAddress());
    }

    @Test
    void allocateIsChallengedThenSucceedsWithARelayAddressInTheRange() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        List<InetSocketAddress> relayed = client.allocate();

        StunMessage challenge = client.lastChallenge();
        assertThat(challenge).isNotNull();
        assertThat(errorCode(challenge)).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(challenge.realm()).isEqualTo("turnrelay");
        assertThat(challenge.nonce()).isNotEmpty();
        assertThat(relayed).hasSize(1);
        assertThat(relayed.get(0).getAddress()).isEqualTo(LOOPBACK4);
        assertThat(relayed.get(0).getPort()).isBetween(lowestPort, highestPort);
        assertThat(relay.stats().allocations()).isEqualTo(1);
    }

    @Test
    void refreshKeepsTheAllocationAndLifetimeZeroFreesItsPort() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);

        StunMessage refreshed = client.refresh(600);
        assertThat(refreshed.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(refreshed.lifetime()).hasValue(600);

        StunMessage deleted = client.refresh(0);
        assertThat(deleted.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        LoopbackPorts.assertBindableWithinTimeout(relayed);
        assertThat(relay.stats().allocations()).isZero();
    }

    @Test
    void sendAndDataIndicationsRelayBetweenClientAndPeer() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();

        assertThat(client.createPermission(peerAddress).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        client.sendIndication(peerAddress, bytes("to the peer"));
        DatagramPacket atPeer = receive(peer);
        assertThat(text(atPeer)).isEqualTo("to the peer");
        assertThat(atPeer.getSocketAddress()).isEqualTo(relayed);

        peer.send(new DatagramPacket(bytes("to the client"), "to the client".length(), relayed));
        RelayedData back = client.receiveData(WAIT_MS);
        assertThat(back).isNotNull();
        assertThat(back.peer()).isEqualTo(peerAddress);
        assertThat(new String(back.payload(), StandardCharsets.UTF_8)).isEqualTo("to the client");
    }

    @Test
    void channelDataRelaysBothWays() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        assertThat(client.channelBind(0x4000, peerAddress).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);

        assertChannelRoundTrip(client, 0x4000, peer, relayed, 20);
        assertThat(relay.stats().packetsClientToPeer()).isEqualTo(20);
        assertThat(relay.stats().packetsPeerToClient()).isEqualTo(20);
    }

    @Test
    void ipv6ClientsGetIpv6Allocations() throws Exception {
        startRelay(10, b -> b.bindIpv6(LOOPBACK6));
        SocketTurnClient client = client(LOOPBACK6);
        StunMessage response = client.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV6));
        SocketTurnClient.requireSuccess(response);
        InetSocketAddress relayed = response.xorRelayedAddresses().get(0);
        assertThat(relayed.getAddress()).isEqualTo(LOOPBACK6);

        DatagramSocket peer = peer(LOOPBACK6);
        client.channelBind(0x4001, (InetSocketAddress) peer.getLocalSocketAddress());
        assertChannelRoundTrip(client, 0x4001, peer, relayed, 5);
    }

    @Test
    void dualStackAllocationsRelayToPeersOfBothFamilies() throws Exception {
        startRelay(10, b -> b.bindIpv6(LOOPBACK6));
        SocketTurnClient client = client(LOOPBACK4);
        List<InetSocketAddress> relayed = allocateDualStack(client);
        assertThat(relayed).extracting(InetSocketAddress::getAddress).containsExactly(LOOPBACK4, LOOPBACK6);
        assertThat(relayed.get(0).getPort()).isEqualTo(relayed.get(1).getPort());

        DatagramSocket peer4 = peer(LOOPBACK4);
        DatagramSocket peer6 = peer(LOOPBACK6);
        client.channelBind(0x4002, (InetSocketAddress) peer4.getLocalSocketAddress());
        client.channelBind(0x4003, (InetSocketAddress) peer6.getLocalSocketAddress());
        assertChannelRoundTrip(client, 0x4002, peer4, relayed.get(0), 3);
        assertChannelRoundTrip(client, 0x4003, peer6, relayed.get(1), 3);
    }

    @Test
    void refreshingOneFamilyToZeroClosesOnlyThatFamilysSocket() throws Exception {
        startRelay(10, b -> b.bindIpv6(LOOPBACK6));
        SocketTurnClient client = client(LOOPBACK4);
        List<InetSocketAddress> relayed = allocateDualStack(client);
        DatagramSocket peer4 = peer(LOOPBACK4);
        client.channelBind(0x4002, (InetSocketAddress) peer4.getLocalSocketAddress());

        StunMessage deleted = client.authenticated(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV6).lifetime(0));
        SocketTurnClient.requireSuccess(deleted);
        assertThat(deleted.lifetime()).hasValue(0);

        LoopbackPorts.assertBindableWithinTimeout(relayed.get(1));
        assertChannelRoundTrip(client, 0x4002, peer4, relayed.get(0), 2);
        assertThat(relay.stats().allocations()).isEqualTo(1);
    }

    @Test
    void anExpiredAllocationFreesItsRelaySocket() throws Exception {
        startRelay(10, b -> {});
        SocketTurnClient client = client(LOOPBACK4);
        StunMessage response = client.allocate(w -> w.lifetime(1));
        SocketTurnClient.requireSuccess(response);
        assertThat(response.lifetime()).hasValue(1);
        LoopbackPorts.assertBindableWithinTimeout(response.xorRelayedAddresses().get(0));
        assertThat(relay.stats().allocations()).isZero();
    }

    @Test
    void portsTakenByAnotherProcessAreSkippedAndOnlyAFullRangeGives508() throws Exception {
        startRelay(3, b -> {});
        // Squat two of the three relay ports, as another process would.
        DatagramSocket squatterA = new DatagramSocket(new InetSocketAddress(LOOPBACK4, lowestPort));
        DatagramSocket squatterB = new DatagramSocket(new InetSocketAddress(LOOPBACK4, lowestPort + 2));
        resources.add(squatterA);
        resources.add(squatterB);

        SocketTurnClient first = client(LOOPBACK4);
        InetSocketAddress relayed = first.allocate().get(0);
        assertThat(relayed.getPort()).isEqualTo(lowestPort + 1);

        SocketTurnClient second = client(LOOPBACK4);
        assertThat(errorCode(second.allocate(w -> {}))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);

        // The first client keeps relaying.
        DatagramSocket peer = peer(LOOPBACK4);
        first.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress());
        assertChannelRoundTrip(first, 0x4000, peer, relayed, 3);
    }

    @Test
    void holdsAThousandConcurrentAllocations() throws Exception {
        int clients = 1_000;
        startRelay(1_100, b -> b.maxAllocationsPerUser(clients));
        List<SocketTurnClient> allocated = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < clients; i++) {
            // Over TCP and TLS from many loopback addresses, as from many hosts: 64 connections per IP are allowed.
            InetAddress source = clientTransport().isStream() ? address("127.0." + (1 + i / 250) + "." + (1 + i % 250)) : LOOPBACK4;
            SocketTurnClient client = client(source, LOOPBACK4, USER, PASSWORD);
            ports.add(client.allocate().get(0).getPort());
            allocated.add(client);
        }
        assertThat(ports).hasSize(clients);
        assertThat(relay.stats().allocations()).isEqualTo(clients);

        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        for (int i = 0; i < clients; i += 97) {
            SocketTurnClient client = allocated.get(i);
            client.channelBind(0x4000, peerAddress);
            client.sendChannelData(0x4000, bytes("from " + i));
            assertThat(text(receive(peer))).isEqualTo("from " + i);
        }
    }

    @Test
    void describesTheTransportTheShardsRunOn() throws Exception {
        String expected;
        try (Transport probe = provider().create("probe")) {
            expected = probe.description();
        }
        ShardedRelay started = startRelay(10, b -> {});
        assertThat(started.transportName()).isEqualTo(provider().name());
        assertThat(started.transportDescription()).isEqualTo(expected).startsWith(provider().name());
        started.close();
        assertThat(started.transportDescription()).isEqualTo(provider().name());
    }

    @Test
    void closeReleasesEveryPort() throws Exception {
        ShardedRelay started = startRelay(10, b -> {});
        List<InetSocketAddress> relayed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            relayed.add(client(LOOPBACK4).allocate().get(0));
        }
        started.close();
        for (InetSocketAddress address : relayed) {
            LoopbackPorts.assertBindableWithinTimeout(address);
        }
        LoopbackPorts.assertBindableWithinTimeout(new InetSocketAddress(LOOPBACK4, listenPort));
    }

    @Test
    void severalWorkersShareTheListenPort() throws Exception {
        ShardedRelay started = startRelay(40, b -> b.workers(2).maxAllocationsPerUser(100));
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        for (int i = 0; i < 8; i++) {
            SocketTurnClient client = client(LOOPBACK4);
            InetSocketAddress relayed = client.allocate().get(0);
            client.channelBind(0x4000, peerAddress);
            assertChannelRoundTrip(client, 0x4000, peer, relayed, 1);
        }
        assertThat(started.stats().allocations()).isEqualTo(8);
    }

    @Test
    void severalWorkersShareOnePortRangeSoOnlyAFullRangeGives508() throws Exception {
        int ports = 40;
        ShardedRelay started = startRelay(ports, b -> b.workers(2).maxAllocationsPerUser(100));
        Set<Integer> relayed = new HashSet<>();
        for (int i = 0; i < ports; i++) {
            StunMessage response = client(LOOPBACK4).allocate(w -> {});
            assertThat(errorCode(response)).as("Allocate %d of %d", i + 1, ports).isZero();
            relayed.add(response.xorRelayedAddresses().get(0).getPort());
        }
        assertThat(relayed).hasSize(ports).allSatisfy(port -> assertThat(port).isBetween(lowestPort, highestPort));
        assertThat(started.stats().allocations()).isEqualTo(ports);
        assertThat(errorCode(client(LOOPBACK4).allocate(w -> {}))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(errorCode(client(LOOPBACK4, "bob", "builder").allocate(w -> {}))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    @Test
    void thePerUserQuotaAndTheTotalHoldOverAllWorkers() throws Exception {
        ShardedRelay started = startRelay(40, b -> b.workers(2).maxAllocationsPerUser(3).maxAllocations(5));
        // Ten clients of one user from ten source ports: with two workers they land on both (all on one: 2 in 1024).
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            codes.add(errorCode(client(LOOPBACK4).allocate(w -> {})));
        }
        assertThat(codes.subList(0, 3)).containsOnly(0);
        assertThat(codes.subList(3, 10)).containsOnly(ErrorCode.ALLOCATION_QUOTA_REACHED);

        codes.clear();
        for (int i = 0; i < 6; i++) {
            codes.add(errorCode(client(LOOPBACK4, "bob", "builder").allocate(w -> {})));
        }
        // Five in total: bob's third is over the relay's limit before it is over his quota.
        assertThat(codes).containsExactly(0, 0, ErrorCode.INSUFFICIENT_CAPACITY, ErrorCode.INSUFFICIENT_CAPACITY,
                ErrorCode.INSUFFICIENT_CAPACITY, ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(started.stats().allocations()).isEqualTo(5);
    }

    @Test
    void aReservationTokenIsRedeemedWhicheverWorkerTheRedeemerLandsOn() throws Exception {
        Map<Integer, String> workerByPort = new java.util.concurrent.ConcurrentHashMap<>();
        listener = event -> {
            if (event instanceof TurnCommand.AllocationCreated created) {
                workerByPort.put(created.port(), Thread.currentThread().getName());
            }
        };
        startRelay(40, b -> b.workers(2).maxAllocationsPerUser(20));
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        // Pairs until one redeemer lands on the other worker than its reserver (each pair: one in two).
        int crossed = 0;
        for (int pair = 0; pair < 12 && crossed == 0; pair++) {
            StunMessage reserving = client(LOOPBACK4).allocate(w -> w.evenPort(true));
            SocketTurnClient.requireSuccess(reserving);
            int port = reserving.xorRelayedAddresses().get(0).getPort();
            long token = reserving.reservationToken().orElseThrow();

            SocketTurnClient redeemer = client(LOOPBACK4, "bob", "builder");
            StunMessage redeemed = redeemer.allocate(w -> w.reservationToken(token));
            SocketTurnClient.requireSuccess(redeemed);
            InetSocketAddress relayed = redeemed.xorRelayedAddresses().get(0);
            assertThat(relayed.getPort()).isEqualTo(port + 1);
            redeemer.channelBind(0x4000, peerAddress);
            assertChannelRoundTrip(redeemer, 0x4000, peer, relayed, 1);
            crossed += workerByPort.get(port).equals(workerByPort.get(port + 1)) ? 0 : 1;
        }
        assertThat(crossed).as("a redemption on another worker than the reservation's").isOne();
    }

    @Test
    void oneAllocationPerUsernameReplacesTheUsersAllocationOnTheOtherWorker() throws Exception {
        Map<Integer, String> workerByPort = new ConcurrentHashMap<>();
        Map<Integer, CompletableFuture<String>> deletionByPort = new ConcurrentHashMap<>();
        listener = event -> {
            if (event instanceof TurnCommand.AllocationCreated created) {
                // A port freed by an earlier replacement may be handed out again: only deletions since count.
                deletionByPort.remove(created.port());
                workerByPort.put(created.port(), Thread.currentThread().getName());
            } else if (event instanceof TurnCommand.AllocationDeleted deleted) {
                deletionByPort.computeIfAbsent(deleted.port(), port -> new CompletableFuture<>()).complete(Thread.currentThread().getName());
            }
        };
        ShardedRelay started = startRelay(40, b -> b.workers(2).oneAllocationPerUsername(true));
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient old = client(LOOPBACK4);
        InetSocketAddress oldRelayed = old.allocate().get(0);
        // New source ports of the same user (a NAT flipping ports) until one lands on the other worker (one in two
        // each time); one landing on the same worker replaces the old allocation there and becomes the old one.
        SocketTurnClient replacing = null;
        InetSocketAddress relayed = null;
        for (int attempt = 0; attempt < 12 && replacing == null; attempt++) {
            SocketTurnClient next = client(LOOPBACK4);
            InetSocketAddress nextRelayed = next.allocate().get(0);
            if (workerByPort.get(nextRelayed.getPort()).equals(workerByPort.get(oldRelayed.getPort()))) {
                old = next;
                oldRelayed = nextRelayed;
            } else {
                replacing = next;
                relayed = nextRelayed;
            }
        }
        assertThat(replacing).as("an Allocate that landed on the other worker").isNotNull();
        String oldWorker = workerByPort.get(oldRelayed.getPort());

        // The old worker deletes its allocation on its own thread and closes the relay socket.
        String deletedOn = deletionByPort.computeIfAbsent(oldRelayed.getPort(), port -> new CompletableFuture<>())
                .get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(deletedOn).isEqualTo(oldWorker);
        LoopbackPorts.assertBindableWithinTimeout(oldRelayed);
        assertThat(errorCode(old.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
        assertThat(deletionByPort.get(relayed.getPort())).isNull();
        assertThat(started.stats().allocations()).isOne();

        replacing.channelBind(0x4000, peerAddress);
        assertChannelRoundTrip(replacing, 0x4000, peer, relayed, 1);
    }

    @Test
    void aDrainingRelayGoesOnRelayingForItsAllocationRedirectsNewcomersAndHasDrainedWhenTheAllocationEnds() throws Exception {
        AlternateServer alternate = AlternateServer.parse("192.0.2.1:3478");
        AlternateServer tlsAlternate = AlternateServer.parse("turn.example.net@192.0.2.2:5349");
        ShardedRelay started = startRelay(10, b -> b.alternateServers(List.of(alternate)).tlsAlternateServers(List.of(tlsAlternate)));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient.requireSuccess(client.channelBind(0x4000, peerAddress));

        CompletableFuture<Void> drained = started.drain(Duration.ofHours(1));
        assertThat(started.draining()).isTrue();
        // Every message relays both ways (none lost), and the allocation can be refreshed and bound further.
        assertChannelRoundTrip(client, 0x4000, peer, relayed, 20);
        SocketTurnClient.requireSuccess(client.refresh(600));
        DatagramSocket otherPeer = peer(LOOPBACK4);
        SocketTurnClient.requireSuccess(client.channelBind(0x4001, (InetSocketAddress) otherPeer.getLocalSocketAddress()));
        assertChannelRoundTrip(client, 0x4001, otherPeer, relayed, 2);

        StunMessage refused = client(LOOPBACK4, "bob", "builder").allocate(w -> {});
        assertThat(errorCode(refused)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        boolean tls = clientTransport() == ClientTransport.TLS;
        assertThat(refused.alternateServer()).isEqualTo((tls ? tlsAlternate : alternate).address());
        assertThat(refused.alternateDomain()).isEqualTo(tls ? "turn.example.net" : null);
        assertThat(relay.stats().allocations()).isOne();
        assertThat(drained).isNotDone();

        SocketTurnClient.requireSuccess(client.refresh(0));
        drained.get(WAIT_MS, TimeUnit.MILLISECONDS);
        LoopbackPorts.assertBindableWithinTimeout(relayed);
        assertThat(started.drain(Duration.ZERO)).as("a later call answers for the same drain").isDone();
    }

    @Test
    void atTheDrainDeadlineEveryWorkerDeletesTheAllocationsLeft() throws Exception {
        ShardedRelay started = startRelay(40, b -> b.workers(2).maxAllocationsPerUser(100));
        List<SocketTurnClient> clients = new ArrayList<>();
        List<InetSocketAddress> relayed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            SocketTurnClient client = client(LOOPBACK4);
            relayed.add(client.allocate().get(0));
            clients.add(client);
        }
        CompletableFuture<Void> drained = started.drain(Duration.ofMillis(200));
        assertThat(errorCode(client(LOOPBACK4).allocate(w -> {}))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);

        drained.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(started.stats().allocations()).isZero();
        for (InetSocketAddress address : relayed) {
            LoopbackPorts.assertBindableWithinTimeout(address);
        }
        assertThat(errorCode(clients.get(0).refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
    }

    // ------------------------------------------------------------------------------------------------
    // A fast path for bound channels (RelayConfig.channelOffload)

    /** A fast path that records what the relay hands it, relays nothing itself and reports fixed counters. */
    private static final class RecordingOffload implements ChannelOffload {
        static final OffloadCounters COUNTERS = new OffloadCounters(3, 300, 4, 400);
        final List<String> calls = new CopyOnWriteArrayList<>();
        final boolean takes;

        RecordingOffload(boolean takes) {
            this.takes = takes;
        }

        @Override
        public boolean offer(OffloadedChannel channel) {
            calls.add("offer " + channel);
            return takes;
        }

        @Override
        public void withdraw(OffloadedChannel channel) {
            calls.add("withdraw " + channel);
        }

        @Override
        public OffloadCounters counters() {
            return COUNTERS;
        }

        @Override
        public String description() {
            return "recording";
        }

        @Override
        public void close() {}
    }

    @Test
    void aBoundChannelIsOfferedBeforeTheBindAnswersAndWithdrawnBeforeTheDeletingRefreshAnswers() throws Exception {
        RecordingOffload offload = new RecordingOffload(true);
        startRelay(10, b -> b.channelOffload(offload));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();

        SocketTurnClient.requireSuccess(client.channelBind(0x4001, peerAddress));
        OffloadedChannel channel = new OffloadedChannel(client.localAddress(), new InetSocketAddress(LOOPBACK4, listenPort), 0x4001,
                peerAddress, relayed.getPort());
        if (clientTransport() != ClientTransport.UDP) {
            assertThat(offload.calls).as("stream clients' channels stay with the relay").isEmpty();
            return;
        }
        assertThat(offload.calls).containsExactly("offer " + channel);
        SocketTurnClient.requireSuccess(client.channelBind(0x4001, peerAddress));
        assertThat(offload.calls).as("refreshing a bound channel offers nothing new").hasSize(1);
        // The relay goes on relaying what reaches it (here all of it: the recording fast path relays nothing).
        assertChannelRoundTrip(client, 0x4001, peer, relayed, 3);
        assertThat(relay.stats().offloaded()).isEqualTo(RecordingOffload.COUNTERS);
        assertThat(relay.stats().packetsClientToPeer()).isEqualTo(3);

        SocketTurnClient.requireSuccess(client.refresh(0));
        assertThat(offload.calls).containsExactly("offer " + channel, "withdraw " + channel);
    }

    @Test
    void anExpiringAllocationAndTheRelaysCloseWithdrawTheirChannels() throws Exception {
        assumeTrue(clientTransport() == ClientTransport.UDP, "only UDP clients' channels are offered");
        RecordingOffload offload = new RecordingOffload(true);
        startRelay(10, b -> b.channelOffload(offload));
        SocketTurnClient expiring = client(LOOPBACK4);
        StunMessage response = expiring.allocate(w -> w.lifetime(1));
        SocketTurnClient.requireSuccess(response);
        SocketTurnClient staying = client(LOOPBACK4);
        staying.allocate();
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient.requireSuccess(expiring.channelBind(0x4000, peerAddress));
        SocketTurnClient.requireSuccess(staying.channelBind(0x4000, peerAddress));
        assertThat(offload.calls).hasSize(2).allMatch(call -> call.startsWith("offer "));

        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> offload.calls.size() == 3);
        assertThat(offload.calls.get(2)).startsWith("withdraw ").contains(expiring.localAddress().toString());
        relay.close();
        assertThat(offload.calls).hasSize(4);
        assertThat(offload.calls.get(3)).startsWith("withdraw ").contains(staying.localAddress().toString());
    }

    @Test
    void channelsTheFastPathDeclinesOrThatABandwidthLimitMetersStayWithTheRelay() throws Exception {
        assumeTrue(clientTransport() == ClientTransport.UDP, "only UDP clients' channels are offered");
        RecordingOffload declining = new RecordingOffload(false);
        startRelay(10, b -> b.channelOffload(declining));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient.requireSuccess(client.channelBind(0x4000, peerAddress));
        assertChannelRoundTrip(client, 0x4000, peer, relayed, 2);
        SocketTurnClient.requireSuccess(client.refresh(0));
        assertThat(declining.calls).as("a declined channel is never withdrawn").singleElement().asString().startsWith("offer ");
        relay.close();

        RecordingOffload limited = new RecordingOffload(true);
        startRelay(10, b -> b.channelOffload(limited).maxBps(1_000_000));
        SocketTurnClient metered = client(LOOPBACK4);
        InetSocketAddress meteredRelayed = metered.allocate().get(0);
        SocketTurnClient.requireSuccess(metered.channelBind(0x4000, peerAddress));
        assertChannelRoundTrip(metered, 0x4000, peer, meteredRelayed, 2);
        assertThat(limited.calls).as("a metered allocation's channels are never offered").isEmpty();
    }

    // ------------------------------------------------------------------------------------------------
    // Events for the embedding application

    /** Records events and the threads they came on. */
    private static final class Recorder implements RelayEventListener {
        final List<RelayEvent> events = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override
        public void onEvent(RelayEvent event) {
            threads.add(Thread.currentThread().getName());
            events.add(event);
        }

        <T extends RelayEvent> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }

        RelayEvent.AllocationDeleted awaitDeletion() {
            await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> !of(RelayEvent.AllocationDeleted.class).isEmpty());
            return of(RelayEvent.AllocationDeleted.class).get(0);
        }
    }

    @Test
    void eventsTellAnAllocationsLifeInOrderOffTheWorkersWithItsExactUsage() throws Exception {
        Recorder recorder = new Recorder();
        Instant now = Instant.parse("2026-01-02T03:04:05Z");
        startRelay(10, b -> b.events(EventSettings.to(recorder)).clock(Clock.fixed(now, ZoneOffset.UTC)));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        DatagramSocket peer = peer(LOOPBACK4);
        InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();
        SocketTurnClient.requireSuccess(client.channelBind(0x4000, peerAddress));
        assertChannelRoundTrip(client, 0x4000, peer, relayed, 3); // "out 0".."out 2" (5 bytes each), "in 0".."in 2" (4 bytes)
        SocketTurnClient.requireSuccess(client.refresh(300));
        SocketTurnClient.requireSuccess(client.refresh(0));

        RelayEvent.AllocationDeleted deleted = recorder.awaitDeletion();
        FiveTuple tuple = new FiveTuple(clientTransport(), client.localAddress(), new InetSocketAddress(LOOPBACK4, clientPort));
        assertThat(recorder.events).containsExactly(
                new RelayEvent.AllocationCreated(now, tuple, USER, "turnrelay", List.of(relayed), Duration.ofMinutes(10)),
                new RelayEvent.PermissionCreated(now, tuple, LOOPBACK4),
                new RelayEvent.ChannelCreated(now, tuple, 0x4000, peerAddress),
                new RelayEvent.AllocationRefreshed(now, tuple, USER, Duration.ofSeconds(300)),
                new RelayEvent.PermissionDeleted(now, tuple, LOOPBACK4),
                new RelayEvent.ChannelDeleted(now, tuple, 0x4000, peerAddress),
                new RelayEvent.AllocationDeleted(now, tuple, USER, "turnrelay", List.of(relayed), DeleteReason.CLIENT_DELETE,
                        new AllocationUsage(3, 15, 3, 12, deleted.usage().duration())));
        assertThat(deleted.usage().duration()).isPositive().isLessThan(Duration.ofMillis(WAIT_MS * 4L));
        assertThat(recorder.threads).containsExactly("turnrelay-events");
    }

    @Test
    void closingTheRelayDeliversTheDeletionOfEveryAllocationAsShutDown() throws Exception {
        Recorder recorder = new Recorder();
        ShardedRelay started = startRelay(10, b -> b.events(EventSettings.to(recorder)).workers(2));
        List<InetSocketAddress> relayed = List.of(client(LOOPBACK4).allocate().get(0), client(LOOPBACK4, "bob", "builder").allocate().get(0));

        started.close();

        assertThat(recorder.of(RelayEvent.AllocationDeleted.class))
                .extracting(RelayEvent.AllocationDeleted::reason, d -> d.relayedAddresses().get(0))
                .containsExactlyInAnyOrder(tuple(DeleteReason.SHUT_DOWN, relayed.get(0)), tuple(DeleteReason.SHUT_DOWN, relayed.get(1)));
        assertThat(recorder.of(RelayEvent.AllocationDeleted.class)).extracting(RelayEvent.AllocationDeleted::username)
                .containsExactlyInAnyOrder(USER, "bob");
    }

    @Test
    void aStreamClientsConnectionClosingDeletesItsAllocationAsConnectionClosed() throws Exception {
        assumeTrue(clientTransport().isStream(), "TCP and TLS clients only");
        Recorder recorder = new Recorder();
        startRelay(10, b -> b.events(EventSettings.to(recorder)));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        InetSocketAddress local = client.localAddress();

        client.close();

        RelayEvent.AllocationDeleted deleted = recorder.awaitDeletion();
        assertThat(deleted.reason()).isEqualTo(DeleteReason.CONNECTION_CLOSED);
        assertThat(deleted.client()).isEqualTo(new FiveTuple(clientTransport(), local, new InetSocketAddress(LOOPBACK4, clientPort)));
        assertThat(deleted.relayedAddresses()).containsExactly(relayed);
    }

    @Test
    void aSlowListenerLosesEventsCountedAndAnnouncedWhileRelayingGoesOn() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder();
        RelayEventListener slow = event -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            recorder.onEvent(event);
        };
        ShardedRelay started = startRelay(10, b -> b.events(EventSettings.to(slow).withQueueCapacity(3)));
        SocketTurnClient client = client(LOOPBACK4);
        InetSocketAddress relayed = client.allocate().get(0);
        // Only once the event thread has taken this one and waits are the queue's three places free; on a busy
        // machine it may wake after the next events, which would then fill them first.
        assertThat(holding.await(WAIT_MS, TimeUnit.MILLISECONDS)).as("the listener holds the first event").isTrue();
        DatagramSocket peer = peer(LOOPBACK4);
        SocketTurnClient.requireSuccess(client.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress()));
        for (int i = 0; i < 4; i++) {
            SocketTurnClient.requireSuccess(client.refresh(600));
        }
        // Six events after the first, three places: at least three were dropped.
        assertThat(started.stats().eventsDropped()).isGreaterThanOrEqualTo(3);

        long before = started.stats().eventsDropped();
        for (int i = 0; i < 3; i++) {
            SocketTurnClient.requireSuccess(client.refresh(600));
        }
        assertChannelRoundTrip(client, 0x4000, peer, relayed, 5);
        assertThat(started.stats().eventsDropped()).isEqualTo(before + 3);
        assertThat(started.stats().packetsClientToPeer()).isEqualTo(5);

        release.countDown();
        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> !recorder.of(RelayEvent.EventsDropped.class).isEmpty());
        assertThat(recorder.of(RelayEvent.EventsDropped.class)).singleElement()
                .extracting(RelayEvent.EventsDropped::count).isEqualTo(before + 3);
        assertThat(recorder.events.get(0)).isInstanceOf(RelayEvent.AllocationCreated.class);
        assertThat(recorder.events.get(1)).isInstanceOf(RelayEvent.EventsDropped.class);
    }

    @Test
    void aListenerThatThrowsIsReportedToTheEventThreadsHandlerAndKept() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        RelayEventListener throwing = event -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug on " + event.getClass().getSimpleName());
        };
        Recorder recorder = new Recorder();
        ThreadFactory named = task -> {
            Thread thread = new Thread(task, "embedder-events");
            thread.setUncaughtExceptionHandler((t, e) -> reported.add(e));
            return thread;
        };
        startRelay(10, b -> b.events(EventSettings.to(throwing, recorder).withThreadFactory(named)));
        SocketTurnClient client = client(LOOPBACK4);
        client.allocate();
        SocketTurnClient.requireSuccess(client.refresh(0));

        recorder.awaitDeletion();
        assertThat(recorder.events).hasSize(2);
        assertThat(calls).hasValue(2);
        assertThat(reported).extracting(Throwable::getMessage)
                .containsExactly("listener bug on AllocationCreated", "listener bug on AllocationDeleted");
        assertThat(recorder.threads).containsExactly("embedder-events");
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureNamingTheUserAndNoPassword() throws Exception {
        Recorder recorder = new Recorder();
        startRelay(10, b -> b.events(EventSettings.to(recorder)));
        SocketTurnClient client = client(LOOPBACK4, USER, "not-" + PASSWORD);

        assertThat(errorCode(client.allocate(w -> {}))).isEqualTo(ErrorCode.UNAUTHENTICATED);

        await().atMost(Duration.ofMillis(WAIT_MS)).until(() -> !recorder.events.isEmpty());
        assertThat(recorder.events).singleElement().isInstanceOfSatisfying(RelayEvent.AuthenticationFailed.class, failed -> {
            assertThat(failed.username()).isEqualTo(USER);
            assertThat(failed.reason()).isEqualTo(AuthenticationFailure.WRONG_PASSWORD);
            assertThat(failed.client().transport()).isEqualTo(clientTransport());
            assertThat(failed.client().client()).isEqualTo(client.localAddress());
            assertThat(failed.toString()).doesNotContain(PASSWORD);
        });
    }

    private static void assertChannelRoundTrip(SocketTurnClient client, int channel, DatagramSocket peer, InetSocketAddress relayed, int count)
            throws IOException {
        for (int i = 0; i < count; i++) {
            client.sendChannelData(channel, bytes("out " + i));
            DatagramPacket atPeer = receive(peer);
            assertThat(text(atPeer)).isEqualTo("out " + i);
            assertThat(atPeer.getSocketAddress()).isEqualTo(relayed);

            byte[] reply = bytes("in " + i);
            peer.send(new DatagramPacket(reply, reply.length, relayed));
            RelayedData back = client.receiveData(WAIT_MS);
            assertThat(back).as("channel data back to the client").isNotNull();
            assertThat(back.channel()).isEqualTo(channel);
            assertThat(new String(back.payload(), StandardCharsets.UTF_8)).isEqualTo("in " + i);
        }
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet);
        return packet;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(DatagramPacket packet) {
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
