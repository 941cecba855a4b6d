package io.turnrelay.core.spi;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.turn.Forwarding;
import io.turnrelay.core.turn.RelayAction;
import io.turnrelay.core.turn.TurnCommand;
import io.turnrelay.core.turn.TurnServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The event loop of one relay shard, independent of the IO library: feeds a {@link TurnServer} with what
 * its {@link Transport} receives, performs data-plane decisions straight from the transport's receive
 * buffer (nothing is copied or allocated), and carries out
 * the server's commands. It runs only on the transport's thread; it neither starts threads nor reads clocks.
 */
public final class RelayLoop implements DatagramSink {
    private final TurnServer server;
    private final Transport transport;
    private final int listenPort;
    private final @Nullable InetAddress relayBindIpv4;
    private final @Nullable InetAddress relayBindIpv6;
    private final @Nullable RelayEventListener listener;
    /** The latest time a transport callback brought, for work that arrives without one (shutdown). */
    private long lastNowNanos;

    /**
     * @param relayBindIpv4 local address relay sockets of IPv4 allocations bind to, null when IPv4 is not served
     * @param relayBindIpv6 the same for IPv6
     * @param listener told about allocations and channels (on the loop thread), or null
     */
    public RelayLoop(
            TurnServer server,
            Transport transport,
            int listenPort,
            @Nullable InetAddress relayBindIpv4,
            @Nullable InetAddress relayBindIpv6,
            @Nullable RelayEventListener listener) {
        this.server = server;
        this.transport = transport;
        this.listenPort = listenPort;
        this.relayBindIpv4 = relayBindIpv4;
        this.relayBindIpv6 = relayBindIpv6;
        this.listener = listener;
    }

    @Override
    public void onDatagram(int localPort, ByteBuffer buffer, int offset, int length, InetSocketAddress sender, long nowNanos) {
        lastNowNanos = nowNanos;
        RelayAction action = localPort == listenPort
                ? server.handleClientDatagram(buffer, offset, length, sender, nowNanos)
                : server.handlePeerDatagram(buffer, offset, length, sender, localPort, nowNanos);
        switch (action) {
            case FORWARD_TO_PEER -> {
                Forwarding forwarding = server.forwarding();
                transport.send(forwarding.relayPort(), buffer, forwarding.payloadOffset(), forwarding.payloadLength(), forwarding.peer());
            }
            case FORWARD_TO_CLIENT -> {
                Forwarding forwarding = server.forwarding();
                transport.sendChannelData(
                        listenPort, forwarding.channelNumber(), buffer, forwarding.payloadOffset(), forwarding.payloadLength(), forwarding.client());
            }
            case HANDLED -> executeCommands(nowNanos);
            case DROP -> {
                // Counted by the server.
            }
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

    /**
     * Another shard queued work for this one in their shared ledger (call on the loop thread, through
     * {@link Transport#execute}): e.g. deleting allocations that the same user's newer one there replaces.
     */
    public void onLedgerWork() {
        server.handleLedgerWork(lastNowNanos);
        executeCommands(lastNowNanos);
    }

    /** Graceful shutdown, step 1 (call on the loop thread, e.g. through {@link Transport#execute}). */
    public void stopAccepting() {
        server.stopAccepting();
    }

    /** Graceful shutdown, step 2: deletes every allocation and closes its sockets (on the loop thread). */
    public void releaseAll() {
        server.releaseAll(lastNowNanos);
        executeCommands(lastNowNanos);
    }

    private void executeCommands(long nowNanos) {
        TurnCommand command;
        while ((command = server.pollCommand()) != null) {
            if (command instanceof TurnCommand.SendToClient send) {
                byte[] message = send.message();
                transport.send(listenPort, ByteBuffer.wrap(message), 0, message.length, send.client());
            } else if (command instanceof TurnCommand.BindRelaySocket bind) {
                bindRelay(bind.port(), bind.family(), nowNanos);
            } else if (command instanceof TurnCommand.CloseRelaySocket close) {
                transport.closeRelay(close.port(), close.family());
            } else if (listener != null) {
                listener.onEvent(command);
            }
        }
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
