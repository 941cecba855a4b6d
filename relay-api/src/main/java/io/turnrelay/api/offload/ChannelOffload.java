package io.turnrelay.api.offload;

/**
 * A fast path that relays bound channels of UDP clients without the relay's loop, e.g. in the kernel. Its methods are
 * called on the relay's worker threads (several at once when the relay has several workers), so they must be
 * thread-safe; they should be quick, as relaying waits while they run. The relay does not close it: whoever created
 * it does, after closing the relay.
 */
public interface ChannelOffload extends AutoCloseable {

    /**
     * The relay bound {@code channel} and is about to answer the ChannelBind with success. Returns whether the fast
     * path relays it from now on; false leaves it to the relay (for a channel the fast path cannot carry, e.g. a
     * client and peer of different address families, or a full table).
     */
    boolean offer(OffloadedChannel channel);

    /**
     * The relay is about to consider {@code channel} gone (expired, its allocation deleted, refreshed to 0, its
     * connection closed, drained, shut down). When this returns, the fast path no longer relays it. Called only for
     * channels {@link #offer} took.
     */
    void withdraw(OffloadedChannel channel);

    /** What the fast path relayed so far, each way. */
    OffloadCounters counters();

    /** One line for the relay's startup log, e.g. {@code "xdp native on eth0"}. */
    String description();

    /** Stops the fast path; nothing is relayed by it afterwards. */
    @Override
    void close();
}
