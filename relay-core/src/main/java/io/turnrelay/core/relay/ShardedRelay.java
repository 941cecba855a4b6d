package io.turnrelay.core.relay;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.ClientTransportStats;
import io.turnrelay.api.Histogram;
import io.turnrelay.api.Relay;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.RelayStartException;
import io.turnrelay.api.RelayStats;
import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.offload.OffloadCounters;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.turn.AllocationLedger;
import io.turnrelay.core.turn.DropReason;
import io.turnrelay.core.turn.TurnServer;
import io.turnrelay.core.turn.TurnServerConfig;
import io.turnrelay.core.turn.TurnStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Relay} implementation: {@code workers} shards, each a {@link TurnServer} driven by a
 * {@link RelayLoop} on its own {@link Transport} thread. Every shard opens every listener; with more than one worker
 * they share each listener with SO_REUSEPORT, so the kernel keeps each client 5-tuple (a UDP sender, a TCP
 * connection) on one shard, which holds its allocation. The stream connection caps count over all shards.
 *
 * <p>To clients the shards are one server, because they share one {@link AllocationLedger}:
 * <ul>
 *   <li>every shard takes relay ports from the whole range, so Allocate gets 508 only when the whole range is in
 *       use (or a relay port cannot be bound), never because one shard ran out;</li>
 *   <li>{@code maxAllocations} and {@code maxAllocationsPerUser} count the allocations of all shards;</li>
 *   <li>a RESERVATION-TOKEN (EVEN-PORT with R=1) can be redeemed from any client, whichever shard it lands on;
 *       the reserved port has no socket until the redeeming shard binds it.</li>
 *   <li>with {@code oneAllocationPerUsername}, a user's new allocation replaces the user's allocations on every
 *       shard: once it is established, the ledger queues their deletion for the shards holding them, whose servers
 *       the establishing shard's loop wakes up through {@link Transport#execute}, so each deletes them (closing their sockets) on its own
 *       thread moments later. The new allocation does not wait for that. One corner differs from a single
 *       shard: when the range has no free port, only the user's allocations on the shard the Allocate lands on
 *       are deleted first to make room; if the user's ports are all on other shards, the Allocate gets 508.</li>
 *   <li>the relay's bandwidth capacity ({@link RelayConfig#bpsCapacity()}) is split evenly: each shard relays at most
 *       its share each way ({@link #capacityShare}).</li>
 * </ul>
 */
public final class ShardedRelay implements Relay {
    private static final long SHUTDOWN_STEP_MILLIS = 2_000;

    private final RelayConfig config;
    private final TransportProvider provider;
    private final @Nullable RelayEventListener listener;
    private final List<RelayShard> shards = new ArrayList<>();
    private final List<ClientListener> listeners = new ArrayList<>();
    /** Each shard by its server, for routing wake-ups between servers sharing the ledger; fixed once started. */
    private final Map<TurnServer, RelayShard> shardByServer = new java.util.IdentityHashMap<>();
    /** Delivers the API's events when the configuration has listeners; null otherwise. */
    private @Nullable EventDispatcher events;
    private boolean started;
    private boolean closed;
    /** Completes when every shard has drained, or on {@link #close()}; only once {@link #drain} was called. */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean draining;

    /**
     * A relay on an explicit transport provider (instead of the {@link java.util.ServiceLoader} choice),
     * with an optional listener for allocation and channel events (called on worker threads).
     */
    public ShardedRelay(RelayConfig config, TransportProvider provider, @Nullable RelayEventListener listener) {
        this.config = config;
        this.provider = provider;
        this.listener = listener;
    }

    /** A relay on the transport the configuration names, or the best one on the class path. */
    public static ShardedRelay create(RelayConfig config) {
        return new ShardedRelay(config, TransportProviders.select(config.transport()), null);
    }

    @Override
    public synchronized void start() throws RelayStartException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "relay is closed" : "relay already started");
        }
        started = true;
        int workers = config.workers();
        TurnServerConfig serverConfig = serverConfig();
        AllocationLedger ledger = new AllocationLedger(serverConfig);
        ConnectionLimiter limiter = new ConnectionLimiter(config.streams().maxConnectionsPerIp(), config.streams().maxConnections());
        try {
            RelayEventListener shardListener = startEvents();
            for (int i = 0; i < workers; i++) {
                TurnServer server = new TurnServer(serverConfig, config.randomSource().get(), ledger);
                Transport transport = provider.create(Integer.toString(i));
                RelayLoop loop = new RelayLoop(server, transport, config.bindIpv4(), config.bindIpv6(), shardListener, limiter, this::wake,
                        config.channelOffload());
                RelayShard shard = new RelayShard(server, loop, transport);
                shards.add(shard);
                synchronized (shardByServer) {
                    shardByServer.put(server, shard);
                }
            }
            // Every shard's listeners join the shared ports before any shard reads: the kernel spreads a shared
            // port's datagrams by a hash over the sockets bound so far, so a client answered while shards were
            // still binding could have its next request hashed to a shard that has no record of its allocation
            // (437 Allocation Mismatch, seen when load started the moment the port appeared).
            ListenOptions options = new ListenOptions(workers > 1, config.streams(), config.tls());
            for (RelayShard shard : shards) {
                listen(shard.transport, shard == shards.get(0), options);
            }
            for (RelayShard shard : shards) {
                shard.start();
            }
        } catch (RelayStartException | RuntimeException e) {
            closeShards();
            throw e;
        }
    }

    /** Starts the event thread when the configuration has listeners; the listener each shard's loop is to call, or null. */
    private @Nullable RelayEventListener startEvents() {
        if (config.events().listeners().isEmpty()) {
            return listener;
        }
        EventDispatcher dispatcher = new EventDispatcher(config.events(), config.clock());
        dispatcher.start();
        events = dispatcher;
        EventPublisher publisher = new EventPublisher(config.realm(), config.clock(), dispatcher);
        RelayEventListener observer = listener;
        if (observer == null) {
            return publisher;
        }
        return command -> {
            observer.onEvent(command);
            publisher.onEvent(command);
        };
    }

    private void listen(Transport transport, boolean first, ListenOptions options) throws RelayStartException {
        for (ClientListener listener : config.listeners()) {
            try {
                transport.listen(listener, options);
            } catch (IOException e) {
                throw new RelayStartException("listener " + listener + ": " + e.getMessage(), e);
            }
            if (first) {
                listeners.add(listener);
            }
        }
    }

    /** Runs on another shard's thread: only enqueues. */
    private void wake(TurnServer server) {
        RelayShard shard;
        synchronized (shardByServer) {
            shard = shardByServer.get(server);
        }
        if (shard == null) {
            return;
        }
        try {
            shard.transport.execute(shard.loop::onLedgerWork);
        } catch (RejectedExecutionException e) {
            // The shard is shutting down: releasing its allocations does the work.
        }
    }

    private TurnServerConfig serverConfig() {
        return TurnServerConfig.builder()
                .realm(config.realm())
                .software(config.software())
                .portRange(config.lowestPort(), config.highestPort())
                .publicIpv4(config.publicIpv4())
                .publicIpv6(config.publicIpv6())
                .authenticator(config.authenticator())
                .peerPolicy(config.peerPolicy())
                .unixClock(() -> config.clock().millis() / 1000)
                .defaultLifetime(config.defaultLifetime())
                .maxLifetime(config.maxLifetime())
                .nonceValidity(config.nonceValidity())
                .maxAllocationsPerUser(config.maxAllocationsPerUser())
                .maxAllocations(config.maxAllocations())
                .oneAllocationPerUsername(config.oneAllocationPerUsername())
                .rfc5766ChannelNumbers(config.rfc5766ChannelNumbers())
                .streamAllocateTimeout(config.streams().allocateTimeout())
                .alternateServers(config.alternateServers())
                .tlsAlternateServers(config.tlsAlternateServers())
                .maxBps(config.maxBps())
                .bpsCapacity(capacityShare(config.bpsCapacity(), config.workers()))
                .build();
    }

    /**
     * Each shard's part of the relay's capacity: an equal share, so no shard takes a lock or asks another on the relay
     * path. The kernel spreads clients over the shards by a hash, so with few heavy flows one shard may be saturated
     * while another has room; with many flows the shares even out. (Rounded up, never 0, so a capacity below the
     * number of workers still relays.)
     */
    static long capacityShare(long bpsCapacity, int workers) {
        return bpsCapacity == 0 ? 0 : Math.max(1, (bpsCapacity + workers - 1) / workers);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeShards();
        // Closing deletes whatever a drain was waiting for.
        drained.complete(null);
    }

    /**
     * Every shard drains on its own thread; the relay has drained when all have. The deadline is on the transports'
     * clock ({@link System#nanoTime}), the one their loops give the servers.
     */
    @Override
    public synchronized CompletableFuture<Void> drain(Duration deadline) {
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("deadline: must not be negative, not " + deadline);
        }
        if (!started) {
            throw new IllegalStateException("relay not started");
        }
        if (!closed) {
            long now = System.nanoTime();
            long deadlineNanos = saturatedAdd(now, deadline);
            if (!draining) {
                draining = true;
                CompletableFuture.allOf(shards.stream().map(shard -> shard.loop.drained()).toArray(CompletableFuture[]::new))
                        .whenComplete((done, failure) -> drained.complete(null));
            }
            for (RelayShard shard : shards) {
                shard.transport.execute(() -> shard.loop.drain(now, deadlineNanos));
            }
        }
        return drained.copy();
    }

    /** {@code now} plus {@code duration} (not negative), or {@link Long#MAX_VALUE} ("never") where that overflows. */
    private static long saturatedAdd(long now, Duration duration) {
        if (duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0) {
            return Long.MAX_VALUE;
        }
        long sum = now + duration.toNanos();
        return sum < now ? Long.MAX_VALUE : sum;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    private void closeShards() {
        for (RelayShard shard : shards) {
            shard.shutDown(SHUTDOWN_STEP_MILLIS);
        }
        shards.clear();
        // After the shards: the listeners get the deletions of the allocations the shutdown released.
        EventDispatcher dispatcher = events;
        if (dispatcher != null) {
            dispatcher.stop();
        }
    }

    @Override
    public RelayStats stats() {
        List<RelayShard> current;
        EventDispatcher dispatcher;
        synchronized (this) {
            current = List.copyOf(shards);
            dispatcher = events;
        }
        long allocations = 0, permissions = 0, channels = 0, packetsOut = 0, bytesOut = 0, packetsIn = 0, bytesIn = 0, sendDrops = 0;
        Map<String, Long> drops = new TreeMap<>();
        Map<String, Long> responses = new TreeMap<>();
        for (RelayShard shard : current) {
            TurnStats stats = shard.server.stats();
            allocations += stats.allocations();
            permissions += stats.permissions();
            channels += stats.channels();
            packetsOut += stats.packetsClientToPeer();
            bytesOut += stats.bytesClientToPeer();
            packetsIn += stats.packetsPeerToClient();
            bytesIn += stats.bytesPeerToClient();
            sendDrops += shard.transport.sendDrops();
            for (DropReason reason : DropReason.values()) {
                drops.merge(reason.name(), stats.dropped(reason), Long::sum);
            }
            stats.forEachResponseCounter((transport, method, code, count) -> responses.merge(StunMethod.name(method) + "/" + code, count, Long::sum));
        }
        Map<ClientTransport, ClientTransportStats> byTransport = new EnumMap<>(ClientTransport.class);
        for (ClientTransport transport : ClientTransport.values()) {
            byTransport.put(transport, transportStats(current, transport));
        }
        ChannelOffload offload = config.channelOffload();
        return new RelayStats(allocations, permissions, channels, packetsOut, bytesOut, packetsIn, bytesIn, drops, responses, sendDrops,
                byTransport, dispatcher == null ? 0 : dispatcher.dropped(), offload == null ? OffloadCounters.ZERO : offload.counters());
    }

    private static ClientTransportStats transportStats(List<RelayShard> shards, ClientTransport transport) {
        long allocations = 0, permissions = 0, channels = 0, packetsOut = 0, bytesOut = 0, packetsIn = 0, bytesIn = 0;
        long accepted = 0, open = 0, queueDrops = 0;
        Map<String, Long> drops = new TreeMap<>();
        Map<String, Long> responses = new TreeMap<>();
        Map<String, Long> closed = new TreeMap<>();
        Histogram durations = null, sizesToPeer = null, sizesToClient = null;
        for (RelayShard shard : shards) {
            TurnStats stats = shard.server.stats();
            allocations += stats.allocations(transport);
            permissions += stats.permissions(transport);
            channels += stats.channels(transport);
            packetsOut += stats.packetsClientToPeer(transport);
            bytesOut += stats.bytesClientToPeer(transport);
            packetsIn += stats.packetsPeerToClient(transport);
            bytesIn += stats.bytesPeerToClient(transport);
            // Every reason, zeros too, so that exporters see every series from the start.
            for (DropReason reason : DropReason.values()) {
                drops.merge(reason.name(), stats.dropped(reason, transport), Long::sum);
            }
            stats.forEachResponseCounter((kind, method, code, count) -> {
                if (kind == transport) {
                    responses.merge(StunMethod.name(method) + "/" + code, count, Long::sum);
                }
            });
            ConnectionCounters connections = shard.loop.connections();
            accepted += connections.acceptedCount(transport);
            open += connections.open(transport);
            for (CloseReason reason : CloseReason.values()) {
                closed.merge(reason.label(), connections.closed(transport, reason), Long::sum);
            }
            queueDrops += shard.transport.queueDrops(transport);
            durations = plus(durations, stats.allocationDurations(transport));
            sizesToPeer = plus(sizesToPeer, stats.datagramSizesClientToPeer(transport));
            sizesToClient = plus(sizesToClient, stats.datagramSizesPeerToClient(transport));
        }
        return new ClientTransportStats(allocations, permissions, channels, packetsOut, bytesOut, packetsIn, bytesIn, drops, responses,
                accepted, open, closed, queueDrops, orEmpty(durations), orEmpty(sizesToPeer), orEmpty(sizesToClient));
    }

    private static Histogram plus(@Nullable Histogram sum, Histogram shard) {
        return sum == null ? shard : sum.plus(shard);
    }

    private static Histogram orEmpty(@Nullable Histogram histogram) {
        return histogram != null ? histogram : Histogram.empty();
    }

    @Override
    public synchronized List<InetSocketAddress> listenAddresses() {
        return listeners.stream().filter(l -> l.transport() == ClientTransport.UDP).map(ClientListener::address).toList();
    }

    @Override
    public synchronized List<ClientListener> listeners() {
        return List.copyOf(listeners);
    }

    @Override
    public String transportName() {
        return provider.name();
    }

    @Override
    public synchronized String transportDescription() {
        return shards.isEmpty() ? provider.name() : shards.get(0).transport.description();
    }
}
