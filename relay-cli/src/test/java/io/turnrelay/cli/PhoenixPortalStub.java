package io.turnrelay.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The portal's side of the protocol, as much as the binary's tests need: answers phx_join and heartbeats with
 * {@code ok}, or refuses every upgrade with HTTP 401. Records the authorization headers and joins it saw.
 */
final class PhoenixPortalStub implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final boolean rejectToken;
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final List<Map<String, Object>> joinPayloads = new CopyOnWriteArrayList<>();

    PhoenixPortalStub(boolean rejectToken) throws InterruptedException {
        this.rejectToken = rejectToken;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65_536), new UpgradeGate(),
                                new WebSocketServerProtocolHandler("/relay/websocket", null, false, 65_536, false, true),
                                new PhoenixHandler());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    String apiUrl() {
        return "ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    /** Records the upgrade's X-Authorization header and, when rejecting, answers 401. */
    private final class UpgradeGate extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (message instanceof FullHttpRequest request) {
                authorizations.add(String.valueOf(request.headers().get("X-Authorization")));
                if (rejectToken) {
                    request.release();
                    DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED);
                    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                    context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            }
            context.fireChannelRead(message);
        }
    }

    /** Replies {@code ok} to joins and heartbeats. */
    private final class PhoenixHandler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext context, TextWebSocketFrame frame) throws Exception {
            Map<String, Object> message = JSON.std.mapFrom(frame.text());
            Object event = message.get("event");
            if ("phx_join".equals(event)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> payload = (Map<String, Object>) message.get("payload");
                joinPayloads.add(payload);
            }
            if ("phx_join".equals(event) || "heartbeat".equals(event)) {
                Map<String, Object> reply = new LinkedHashMap<>();
                reply.put("topic", message.get("topic"));
                reply.put("event", "phx_reply");
                reply.put("payload", Map.of("status", "ok", "response", Map.of()));
                reply.put("ref", message.get("ref"));
                context.writeAndFlush(new TextWebSocketFrame(JSON.std.asString(reply)));
            }
        }
    }
}
