package io.turnrelay.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.turnrelay.api.ClientListener;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.StreamSettings;
import io.turnrelay.core.spi.CloseReason;
import io.turnrelay.core.spi.ListenOptions;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.TestTls;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A TLS 1.2 client that asks for a second handshake (renegotiation) is refused with either TLS provider (RFC 7525). */
class NettyTlsRenegotiationTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private @Nullable NettyTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void aClientInitiatedRenegotiationClosesTheConnection(SslProvider provider) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(provider == SslProvider.JDK || OpenSsl.isAvailable(), "netty-tcnative unavailable");
        NettyTransport started = new NettyTransport("test-renegotiation", NettyTransport.Io.best(), provider);
        transport = started;
        int port = LoopbackPorts.freeTcpPort();
        started.listen(ClientListener.of(ClientTransport.TLS, LOOPBACK, port), new ListenOptions(false, StreamSettings.defaults(), TestTls.credentials()));
        RecordingSink sink = new RecordingSink();
        started.start(sink);
        try (SSLSocket client = (SSLSocket) TestTls.clientContext().getSocketFactory().createSocket(LOOPBACK, port)) {
            client.setSoTimeout(5_000);
            client.setEnabledProtocols(new String[] {"TLSv1.2"});
            client.startHandshake();
            assertThat(sink.connected.poll(5, TimeUnit.SECONDS)).isNotNull();
            try {
                client.startHandshake(); // a second handshake on TLS 1.2 is a renegotiation
                client.getOutputStream().write(new byte[] {0, 1, 0, 0});
                client.getOutputStream().flush();
                client.getInputStream().read();
            } catch (IOException expected) {
                // The server's alert or its close ends the client's second handshake.
            }
            assertThat(sink.closed.poll(5, TimeUnit.SECONDS)).isEqualTo(CloseReason.TLS_FAILURE);
        }
    }
}
