package io.turnrelay.cli.portal;

import com.fasterxml.jackson.jr.ob.JSON;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The portal's side of the relay websocket, on a real Netty HTTP server at 127.0.0.1: answers the upgrade (or
 * refuses it), replies to phx_join and heartbeats as scripted, records every request and frame, and can be
 * stopped and started again on the same port.
 */
final class FakePortal implements AutoCloseable {

    /** What the portal says to a phx_join. */
    enum JoinReply { OK, OK_FRAGMENTED, ERROR, NONE, HOLD }

    record Request(String path, Map<String, List<String>> query, String rawQuery, Map<String, String> headers, long nanos) {}

    record Frame(int connection, String topic, String event, Map<String, Object> payload, Object ref, long nanos) {}

    volatile JoinReply joinReply = JoinReply.OK;
    volatile boolean pushInit = true;
    volatile boolean answerHeartbeats = true;
    /** The next this-many joins get no reply at all. */
    final AtomicInteger joinsToIgnore = new AtomicInteger();
    /** The next this-many upgrades are refused with {@link #refusalStatus}. */
    final AtomicInteger upgradesToRefuse = new AtomicInteger();
    volatile int refusalStatus = 503;
    volatile String retryAfter = "";

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Frame> frames = new CopyOnWriteArrayList<>();
    final AtomicInteger closeFramesReceived = new AtomicInteger();
    final AtomicInteger websocketsEnded = new AtomicInteger();

    private volatile ChannelHandlerContext heldJoin;
    private volatile Object heldJoinRef;

    /** Answers the join held back by {@link JoinReply#HOLD} with ok. */
    void replyToHeldJoin() {
        heldJoin.writeAndFlush(new TextWebSocketFrame(
                message("relay", "phx_reply", Map.of("status", "ok", "response", Map.of()), heldJoinRef)));
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup websockets = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChannelGroup allChannels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connectionCount = new AtomicInteger();
    private volatile int port;
    private volatile Channel serverChannel;

    FakePortal() throws InterruptedException {
        bind(0);
    }

    int port() {
        return port;
    }

    URI apiUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Closes the listening socket and every connection, as a portal restart does. */
    void stop() throws InterruptedException {
        serverChannel.close().sync();
        allChannels.close().awaitUninterruptibly();
    }

    /** Listens again on the same port. */
    void restart() throws InterruptedException {
        bind(port);
    }

    void push(String json) {
        websockets.writeAndFlush(new TextWebSocketFrame(json)).awaitUninterruptibly();
    }

    int openWebsockets() {
        return websockets.size();
    }

    List<Frame> framesWithEvent(String event) {
        return frames.stream().filter(frame -> frame.event().equals(event)).collect(Collectors.toList());
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private void bind(int wantedPort) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allChannels.add(channel);
                        channel.pipeline().addLast(
                                new HttpServerCodec(), new HttpObjectAggregator(65536), new PortalHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", wantedPort))
                .sync()
                .channel();
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    private static String json(Map<String, Object> message) {
        try {
            return JSON.std.asString(message);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String message(String topic, String event, Map<String, Object> payload, Object ref) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("topic", topic);
        message.put("event", event);
        message.put("payload", payload);
        message.put("ref", ref);
        return json(message);
    }

    private final class PortalHandler extends SimpleChannelInboundHandler<Object> {
        private WebSocketServerHandshaker handshaker;
        private int connection;

        @Override
        protected void channelRead0(ChannelHandlerContext context, Object message) throws Exception {
            if (message instanceof FullHttpRequest request) {
                upgrade(context, request);
            } else if (message instanceof CloseWebSocketFrame close) {
                closeFramesReceived.incrementAndGet();
                handshaker.close(context.channel(), close.retain());
            } else if (message instanceof PingWebSocketFrame ping) {
                context.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (message instanceof TextWebSocketFrame text) {
                received(context, text.text());
            } else if (message instanceof WebSocketFrame) {
                throw new IllegalStateException("unexpected frame " + message);
            }
        }

        private void upgrade(ChannelHandlerContext context, FullHttpRequest request) {
            QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
            Map<String, String> headers = new LinkedHashMap<>();
            request.headers().forEach(header -> headers.put(header.getKey().toLowerCase(), header.getValue()));
            String rawQuery = request.uri().contains("?") ? request.uri().substring(request.uri().indexOf('?') + 1) : "";
            requests.add(new Request(decoder.path(), decoder.parameters(), rawQuery, headers, System.nanoTime()));
            if (upgradesToRefuse.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                byte[] body = "{\"code\":\"invalid_token\"}".getBytes(StandardCharsets.UTF_8);
                FullHttpResponse response = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(refusalStatus), Unpooled.wrappedBuffer(body));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json");
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                if (!retryAfter.isEmpty()) {
                    response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
                }
                context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            handshaker = new WebSocketServerHandshakerFactory("ws://127.0.0.1:" + port + "/relay/websocket", null, false)
                    .newHandshaker(request);
            connection = connectionCount.incrementAndGet();
            handshaker.handshake(context.channel(), request);
            websockets.add(context.channel());
        }

        private void received(ChannelHandlerContext context, String text) throws IOException {
            Map<String, Object> message = JSON.std.mapFrom(text);
            @SuppressWarnings("unchecked")
            Map<String, Object> payload = (Map<String, Object>) message.get("payload");
            String topic = (String) message.get("topic");
            String event = (String) message.get("event");
            Object ref = message.get("ref");
            frames.add(new Frame(connection, topic, event, payload, ref, System.nanoTime()));
            if (event.equals("phx_join")) {
                if (joinsToIgnore.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                    return;
                }
                switch (joinReply) {
                    case OK -> context.writeAndFlush(new TextWebSocketFrame(reply(topic, ref, "ok", Map.of())));
                    case OK_FRAGMENTED -> {
                        String reply = reply(topic, ref, "ok", Map.of());
                        int third = reply.length() / 3;
                        context.write(new TextWebSocketFrame(false, 0, reply.substring(0, third)));
                        context.write(new ContinuationWebSocketFrame(false, 0, reply.substring(third, 2 * third)));
                        context.writeAndFlush(new ContinuationWebSocketFrame(true, 0, reply.substring(2 * third)));
                    }
                    case ERROR -> context.writeAndFlush(
                            new TextWebSocketFrame(reply(topic, ref, "error", Map.of("reason", "unauthorized"))));
                    case NONE -> {
                        return;
                    }
                    case HOLD -> {
                        heldJoinRef = ref;
                        heldJoin = context;
                        return;
                    }
                }
                if (pushInit) {
                    context.writeAndFlush(new TextWebSocketFrame(message("relay", "init", Map.of(), null)));
                }
            } else if (event.equals("heartbeat") && answerHeartbeats) {
                context.writeAndFlush(new TextWebSocketFrame(reply("phoenix", ref, "ok", Map.of())));
            }
        }

        private String reply(String topic, Object ref, String status, Map<String, Object> response) {
            return message(topic, "phx_reply", Map.of("status", status, "response", response), ref);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            if (handshaker != null) {
                websocketsEnded.incrementAndGet();
            }
            context.fireChannelInactive();
        }
    }
}
