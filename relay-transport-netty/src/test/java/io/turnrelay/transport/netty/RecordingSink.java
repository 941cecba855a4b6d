package io.turnrelay.transport.netty;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.RelaySink;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/** A sink for this module's own tests: it records links, close reasons and the threads it was called on. */
final class RecordingSink implements RelaySink {
    final BlockingQueue<ClientLink> connected = new LinkedBlockingQueue<>();
    final BlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();
    final BlockingQueue<Thread> messageThreads = new LinkedBlockingQueue<>();

    @Override
    public void onClientMessage(ClientLink from, ByteBuffer buffer, int offset, int length, long nowNanos) {
        messageThreads.add(Thread.currentThread());
    }

    @Override
    public void onPeerDatagram(int relayPort, InetSocketAddress peer, ByteBuffer buffer, int offset, int length, long nowNanos) {}

    @Override
    public boolean onConnectionAccepted(ClientTransport kind, InetSocketAddress remote, long nowNanos) {
        return true;
    }

    @Override
    public void onClientConnected(ClientLink link, long nowNanos) {
        connected.add(link);
    }

    @Override
    public void onConnectionClosed(@Nullable ClientLink link, ClientTransport kind, InetSocketAddress remote, CloseReason reason,
            long nowNanos) {
        closed.add(reason);
    }

    @Override
    public void onTimeout(long nowNanos) {}

    @Override
    public long nextDeadlineNanos() {
        return Long.MAX_VALUE;
    }
}
