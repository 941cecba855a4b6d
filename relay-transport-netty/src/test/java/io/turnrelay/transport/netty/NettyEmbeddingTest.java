package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.LoopbackPorts;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Running on an embedder's event loop group, and what the transport says about its I/O and TLS provider. */
class NettyEmbeddingTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void runsOnALoopOfTheEmbeddersGroupAndLeavesTheGroupRunningWhenClosed() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            NettyTransport transport = new NettyTransport("embedded", group);
            assertThat(transport.io()).isEqualTo(NettyTransport.Io.NIO);
            assertThat(group).contains(transport.eventLoop());
            int port = LoopbackPorts.freePort();
            transport.listen(ClientListener.of(ClientTransport.UDP, LOOPBACK, port), ListenOptions.defaults());
            RecordingSink sink = new RecordingSink();
            transport.start(sink);
            try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
                client.send(new DatagramPacket(new byte[] {0, 1, 0, 0}, 4, LOOPBACK, port));
                Thread handledOn = sink.messageThreads.poll(5, TimeUnit.SECONDS);
                assertThat(handledOn).as("the thread the sink ran on").isNotNull();
                assertThat(transport.eventLoop().inEventLoop(handledOn)).isTrue();
            }

            transport.close();
            assertThat(group.isShuttingDown()).isFalse();
            assertThat(group.submit(() -> "still running").get(5, TimeUnit.SECONDS)).isEqualTo("still running");
            LoopbackPorts.assertBindableWithinTimeout(new InetSocketAddress(LOOPBACK, port));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void takesOnTheIoOfTheEmbeddersGroup() {
        assumeTrue(Epoll.isAvailable(), "epoll unavailable here");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            NettyTransport transport = new NettyTransport("embedded-epoll", group);
            assertThat(transport.io()).isEqualTo(NettyTransport.Io.EPOLL);
            assertThat(transport.description()).startsWith("netty on epoll, ");
            transport.close();
            assertThat(group.isShuttingDown()).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void refusesAGroupWhoseLoopsHaveNoNettyIo() {
        EventLoopGroup group = new DefaultEventLoopGroup(1);
        try {
            assertThatThrownBy(() -> new NettyTransport("embedded", group))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("io_uring, epoll or NIO");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void anOwnGroupRunsOnOneThreadNamedAfterTheShardAndStopsWithTheTransport() throws Exception {
        NettyTransport transport = new NettyTransport("7");
        Thread loopThread = transport.eventLoop().submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
        assertThat(loopThread.getName()).isEqualTo("turnrelay-netty-7");
        transport.close();
        assertThat(transport.eventLoop().isTerminated()).isTrue();
    }

    @Test
    void reportsItsTlsProviderBoringSslWhereNettyTcnativeLoads() {
        boolean linuxX64 = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").equals("amd64");
        if (linuxX64) {
            // The module ships netty-tcnative-boringssl-static for linux-x86_64.
            assertThat(OpenSsl.isAvailable()).as("netty-tcnative: %s", OpenSsl.unavailabilityCause()).isTrue();
        }
        NettyTransport transport = new NettyTransport("tls-provider");
        try {
            System.out.println("NettyEmbeddingTest: " + transport.description());
            if (OpenSsl.isAvailable()) {
                assertThat(transport.tlsProvider()).isEqualTo(SslProvider.OPENSSL);
                assertThat(transport.description()).endsWith(", TLS by " + OpenSsl.versionString());
                assertThat(OpenSsl.versionString()).startsWith("BoringSSL");
            } else {
                assertThat(transport.tlsProvider()).isEqualTo(SslProvider.JDK);
                assertThat(transport.description()).endsWith(", TLS by the JDK");
            }
        } finally {
            transport.close();
        }
        NettyTransport jdk = new NettyTransport("tls-jdk", NettyTransport.Io.NIO, SslProvider.JDK);
        try {
            assertThat(jdk.description()).isEqualTo("netty on NIO, TLS by the JDK");
        } finally {
            jdk.close();
        }
    }
}
