package io.turnrelay.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The handler of a channel the transport writes to without flushing each message: it flushes once per batch of
 * events (a read batch, a task, a timer), so Netty gathers what the batch wrote into one sendmmsg or writev.
 */
abstract class BatchFlushed extends ChannelInboundHandlerAdapter {
    /** True while the transport's list of channels to flush holds this one. */
    boolean awaitingFlush;

    abstract Channel channel();
}
