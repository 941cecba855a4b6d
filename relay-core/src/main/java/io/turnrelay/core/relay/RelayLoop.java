package io.turnrelay.core.relay;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.api.offload.ChannelOffload;
import io.turnrelay.api.offload.OffloadedChannel;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.RelaySink;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The event loop of one relay shard, independent of the IO library: feeds a {@link TurnServer} with what its
 * {@link Transport} receives, performs data-plane decisions straight from the transport's receive buffer (nothing
 * is copied or allocated), carries out the server's commands, and admits stream connections against the relay's
 * shared connection caps. It runs only on the transport's thread; it neither starts threads nor reads clocks.
 */
public final class RelayLoop implements RelaySink {
    private final TurnServer server;
    private final Transport transport;
    private final @Nullable InetAddress relayBindIpv4;
    private final @Nullable InetAddress relayBindIpv6;
    private final @Nullable RelayEventListener listener;
    private final ConnectionLimiter limiter;
    /** Wakes another shard's server for its ledger work; runs on this thread and may only enqueue. */
    private final Consumer<TurnServer> wakeOther;
    private final ConnectionCounters connections = new ConnectionCounters();
    /** Completed (on the loop thread) when the server reports {@link TurnCommand.Drained}. */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    /** The latest time a transport callback brought, for work that arrives without one (shutdown). */
    private long lastNowNanos;
    /** The relay's fast path for bound channels, or null. */
    private final @Nullable ChannelOffload offload;
    /** The channels {@link #offload} took and relays now, to withdraw each once its channel is gone. */
    private final Set<OffloadedChannel> offloaded = new HashSet<>();

    /**
     * @param relayBindIpv4 local address relay sockets of IPv4 allocations bind to, null when IPv4 is not served
     * @param relayBindIpv6 the same for IPv6
     * @param listener told about allocations and channels (on the loop thread), or null
     */
    public RelayLoop(
            TurnServer server,
            Transport transport,
            @Nullable InetAddress relayBindIpv4,
            @Nullable InetAddress relayBindIpv6,
            @Nullable RelayEventListener listener) {
        this(server, transport, relayBindIpv4, relayBindIpv6, listener, new ConnectionLimiter(Integer.MAX_VALUE, Integer.MAX_VALUE),
                other -> {}, null);
    }

    /**
     * @param offload the fast path to hand bound channels of UDP clients to (see {@link RelayConfig#channelOffload()}),
     *     or null
     */
    RelayLoop(TurnServer server, Transport transport, @Nullable InetAddress relayBindIpv4, @Nullable InetAddress relayBindIpv6,
            @Nullable RelayEventListener listener, ConnectionLimiter limiter, Consumer<TurnServer> wakeOther, @Nullable ChannelOffload offload) {
        this.server = server;
        this.transport = transport;
        this.relayBindIpv4 = relayBindIpv4;
        this.relayBindIpv6 = relayBindIpv6;
        this.listener = listener;
        this.limiter = limiter;
        this.wakeOther = wakeOther;
        this.offload = offload;
    }

    @Override
    public void onClientMessage(ClientLink client, ByteBuffer buffer, int offset, int length, long nowNanos) {
        lastNowNanos = nowNanos;
        RelayAction action = server.handleClientMessage(client, buffer, offset, length, nowNanos);
        if (action == RelayAction.FORWARD_TO_PEER) {
            Forwarding forwarding = server.forwarding();
            transport.sendToPeer(forwarding.relayPort(), buffer, forwarding.payloadOffset(), forwarding.payloadLength(), forwarding.peer());
        } else if (action == RelayAction.HANDLED) {
            executeCommands(nowNanos);
        }
    }

    @Override
    public void onPeerDatagram(int relayPort, InetSocketAddress peer, ByteBuffer buffer, int offset, int length, long nowNanos) {
        lastNowNanos = nowNanos;
        RelayAction action = server.handlePeerDatagram(buffer, offset, length, peer, relayPort, nowNanos);
        if (action == RelayAction.FORWARD_TO_CLIENT) {
            Forwarding forwarding = server.forwarding();
            transport.sendChannelData(forwarding.client(), forwarding.channelNumber(), buffer, forwarding.payloadOffset(), forwarding.payloadLength());
        } else if (action == RelayAction.HANDLED) {
            executeCommands(nowNanos);
        }
    }

    @Override
    public boolean onConnectionAccepted(ClientTransport kind, InetSocketAddress remote, long nowNanos) {
        lastNowNanos = nowNanos;
        CloseReason refused = limiter.admit(remote.getAddress());
        if (refused != null) {
            connections.refused(kind, refused);
            return false;
        }
        connections.accepted(kind);
        return true;
    }

    @Override
    public void onClientConnected(ClientLink client, long nowNanos) {
        lastNowNanos = nowNanos;
        connections.connected(client.transport());
        server.handleClientConnected(client, nowNanos);
    }

    @Override
    public void onConnectionClosed(@Nullable ClientLink client, ClientTransport kind, InetSocketAddress remote, CloseReason reason, long nowNanos) {
        lastNowNanos = nowNanos;
        limiter.release(remote.getAddress());
        connections.closed(client != null ? client.transport() : kind, client != null, reason);
        if (client != null) {
            server.handleClientClosed(client, nowNanos);
            executeCommands(nowNanos);
        }
    }

    @Override
    public void onTimeout(long nowNanos) {
        lastNowNanos = nowNanos;
        server.handleTimeout(nowNanos);
        executeCommands(nowNanos);
    }

    @Override
    public long nextDeadlineNanos() {
        return server.pollTimeout();
    }

    /** This shard's stream connection counters. */
    ConnectionCounters connections() {
        return connections;
    }

    /**
     * Another shard queued work for this one in their shared ledger (call on the loop thread, through
     * {@link Transport#execute}): e.g. deleting allocations that the same user's newer one there replaces.
     */
    public void onLedgerWork() {
        server.handleLedgerWork(lastNowNanos);
        executeCommands(lastNowNanos);
    }

    /**
     * Starts draining (call on the loop thread, through {@link Transport#execute}): {@code nowNanos} and
     * {@code deadlineNanos} are on the transport's clock ({@link System#nanoTime}). See {@link TurnServer#handleDrain}.
     */
    public void drain(long nowNanos, long deadlineNanos) {
        lastNowNanos = Math.max(lastNowNanos, nowNanos);
        server.handleDrain(lastNowNanos, deadlineNanos);
        executeCommands(lastNowNanos);
    }

    /** Completes once the server, draining, holds no allocation any more. */
    CompletableFuture<Void> drained() {
        return drained;
    }

    /** Graceful shutdown, step 1 (call on the loop thread, e.g. through {@link Transport#execute}). */
    public void stopAccepting() {
        server.stopAccepting();
    }

    /** Graceful shutdown, step 2: deletes every allocation and closes its sockets (on the loop thread). */
    public void releaseAll() {
        releaseAll(DeleteReason.SHUT_DOWN);
    }

    /** Deletes every allocation for {@code reason} (e.g. a drain's deadline) and closes its sockets (on the loop thread). */
    public void releaseAll(DeleteReason reason) {
        server.releaseAll(lastNowNanos, reason);
        executeCommands(lastNowNanos);
    }

    private void executeCommands(long nowNanos) {
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.SendToClient send) {
                byte[] message = send.message();
                transport.sendToClient(send.client(), ByteBuffer.wrap(message), 0, message.length);
            } else if (command instanceof TurnCommand.RelayToClient relay) {
                byte[] message = relay.message();
                transport.relayToClient(relay.client(), ByteBuffer.wrap(message), 0, message.length);
            } else if (command instanceof TurnCommand.BindRelaySocket bind) {
                bindRelay(bind.port(), bind.family(), nowNanos);
            } else if (command instanceof TurnCommand.CloseRelaySocket close) {
                transport.closeRelay(close.port(), close.family());
            } else if (command instanceof TurnCommand.CloseClient close) {
                transport.closeClient(close.client(), CloseReason.NO_ALLOCATION);
            } else if (command instanceof TurnCommand.WakeServer wake) {
                wakeOther.accept(wake.server());
            } else if (command instanceof TurnCommand.Drained) {
                drained.complete(null);
            } else {
                if (offload != null) {
                    offloadChanges(offload, command);
                }
                if (listener != null) {
                    listener.onEvent(command);
                }
            }
        }
    }

    /**
     * Mirrors the server's channels in the fast path. The server queues ChannelBound before the ChannelBind's
     * response, and ChannelUnbound before anything that follows from the channel's end (the Refresh's response, the
     * socket's close): so a channel is offloaded only once the server relays it, and the fast path stops relaying it
     * before the client can learn it ended. Channels of streams and of metered allocations stay with the server.
     */
    private void offloadChanges(ChannelOffload offload, TurnCommand command) {
        if (command instanceof TurnCommand.ChannelBound bound) {
            if (bound.client().transport() == ClientTransport.UDP && !bound.rateLimited()) {
                OffloadedChannel channel = offloadedChannel(bound.client(), bound.channelNumber(), bound.peer(), bound.port());
                if (offload.offer(channel)) {
                    offloaded.add(channel);
                }
            }
        } else if (command instanceof TurnCommand.ChannelUnbound unbound && !offloaded.isEmpty()) {
            OffloadedChannel channel = offloadedChannel(unbound.client(), unbound.channelNumber(), unbound.peer(), unbound.port());
            if (offloaded.remove(channel)) {
                offload.withdraw(channel);
            }
        }
    }

    private static OffloadedChannel offloadedChannel(ClientLink client, int channelNumber, InetSocketAddress peer, int port) {
        return new OffloadedChannel(client.remote(), client.local(), channelNumber, peer, port);
    }

    /** How many of this shard's channels the fast path relays now. */
    int offloadedChannels() {
        return offloaded.size();
    }

    private void bindRelay(int port, AddressFamily family, long nowNanos) {
        InetAddress bindAddress = family == AddressFamily.IPV4 ? relayBindIpv4 : relayBindIpv6;
        if (bindAddress != null && transport.bindRelay(port, family, bindAddress)) {
            server.handleRelaySocketBound(port, family, nowNanos);
        } else {
            server.handleRelaySocketBindFailed(port, family, nowNanos);
        }
    }
}
