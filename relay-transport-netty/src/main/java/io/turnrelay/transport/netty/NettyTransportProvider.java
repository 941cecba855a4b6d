package io.turnrelay.transport.netty;

import io.netty.channel.EventLoopGroup;
import io.turnrelay.core.spi.Transport;
import io.turnrelay.core.spi.TransportProvider;
import java.util.Objects;
import java.util.function.Function;

/**
 * Registers {@link NettyTransport} with {@link java.util.ServiceLoader} as {@code "netty"}, on {@link NettyTransport.Io#best()}.
 * It ranks below the JDK NIO transport, so it is chosen by name, or when it is the only transport on the class path.
 */
public final class NettyTransportProvider implements TransportProvider {
    private static final int PRIORITY = -10;

    /**
     * A provider whose transports run on loops of the embedder's {@code group} (a Netty 4.2 {@code IoEventLoopGroup}
     * of io_uring, epoll or NIO loops, e.g. a Vert.x or Quarkus server's): each worker takes {@code group.next()}, and
     * closing the relay closes its channels but leaves the group running. Use it with
     * {@code new ShardedRelay(config, NettyTransportProvider.onEventLoopGroup(group), null)}.
     */
    public static TransportProvider onEventLoopGroup(EventLoopGroup group) {
        Objects.requireNonNull(group, "group");
        return creating(shardName -> new NettyTransport(shardName, group));
    }

    /** A provider named {@code "netty"}, at this provider's priority, whose transports {@code factory} makes. */
    static TransportProvider creating(Function<String, Transport> factory) {
        return new TransportProvider() {
            @Override
            public String name() {
                return "netty";
            }

            @Override
            public int priority() {
                return PRIORITY;
            }

            @Override
            public boolean isAvailable() {
                return true;
            }

            @Override
            public Transport create(String shardName) {
                return factory.apply(shardName);
            }
        };
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Transport create(String shardName) {
        return new NettyTransport(shardName);
    }
}
