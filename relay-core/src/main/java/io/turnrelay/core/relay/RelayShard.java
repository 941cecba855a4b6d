package io.turnrelay.core.relay;

import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.turn.TurnServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One worker of a {@link ShardedRelay}: a server, its loop and its transport. */
final class RelayShard {
    final TurnServer server;
    final RelayLoop loop;
    final Transport transport;
    private boolean started;

    RelayShard(TurnServer server, RelayLoop loop, Transport transport) {
        this.server = server;
        this.loop = loop;
        this.transport = transport;
    }

    /** Starts the transport's loop, delivering to this shard's loop. */
    void start() {
        transport.start(loop);
        started = true;
    }

    /** Refuses new allocations, deletes the existing ones (closing their sockets), then stops the transport. */
    void shutDown(long timeoutMillis) {
        if (!started) {
            // Nothing runs the transport's tasks yet, and there is nothing to release.
            transport.close();
            return;
        }
        CompletableFuture<Void> released = new CompletableFuture<>();
        try {
            transport.execute(() -> {
                loop.stopAccepting();
                loop.releaseAll();
                released.complete(null);
            });
            released.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // The transport closes every socket below anyway.
        } finally {
            transport.close();
        }
    }
}
