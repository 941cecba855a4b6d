/**
 * The Netty transport: {@link io.turnrelay.transport.netty.NettyTransport} on Netty 4.2's stock channels (io_uring,
 * epoll or NIO), with TCP and TLS clients through SslHandler, found as {@code "netty"} by
 * {@link io.turnrelay.transport.netty.NettyTransportProvider}.
 */
@NullMarked
package io.turnrelay.transport.netty;

import org.jspecify.annotations.NullMarked;
