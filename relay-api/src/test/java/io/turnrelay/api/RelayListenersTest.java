package io.turnrelay.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listeners a configuration derives or takes, and the stream limits it carries. */
class RelayListenersTest {
    private static final Authenticator USERS = new StaticUsersAuthenticator(Map.of("alice", "secret"));
    private static final InetAddress ANY4 = ip("0.0.0.0");
    private static final InetAddress ANY6 = ip("::");

    @TempDir
    static Path directory;
    private static TlsCredentials tls;

    @BeforeAll
    static void certificate() throws Exception {
        TestCertificates.Leaf leaf = TestCertificates.create(directory);
        tls = TlsCredentials.fromPem(leaf.chainPem(), leaf.keyPem());
    }

    private static RelayConfig.Builder valid() {
        return RelayConfig.builder().authenticator(USERS).publicIpv4(ip("203.0.113.1"));
    }

    @Test
    void byDefaultUdpAndTcpListenOnTheListenPort() {
        RelayConfig config = valid().build();
        assertThat(config.listeners()).containsExactly(
                ClientListener.of(ClientTransport.UDP, ANY4, 3478),
                ClientListener.of(ClientTransport.TCP, ANY4, 3478));
        assertThat(config.tls()).isNull();
        assertThat(config.streams()).isEqualTo(StreamSettings.defaults());
    }

    @Test
    void tcpCanBeSwitchedOff() {
        assertThat(valid().tcp(false).build().listeners()).containsExactly(ClientListener.of(ClientTransport.UDP, ANY4, 3478));
    }

    @Test
    void aCertificateAddsTlsListenersOnEachTlsPortAndBindAddressIpv6First() {
        RelayConfig config = valid().bindIpv6(ANY6).publicIpv6(ip("2001:db8::1")).tls(tls).tlsListenPorts(List.of(5349, 443)).build();
        assertThat(config.listeners()).containsExactly(
                ClientListener.of(ClientTransport.UDP, ANY6, 3478),
                ClientListener.of(ClientTransport.TCP, ANY6, 3478),
                ClientListener.of(ClientTransport.TLS, ANY6, 5349),
                ClientListener.of(ClientTransport.TLS, ANY6, 443),
                ClientListener.of(ClientTransport.UDP, ANY4, 3478),
                ClientListener.of(ClientTransport.TCP, ANY4, 3478),
                ClientListener.of(ClientTransport.TLS, ANY4, 5349),
                ClientListener.of(ClientTransport.TLS, ANY4, 443));
        assertThat(config.tls()).isSameAs(tls);
    }

    @Test
    void detectingTlsMakesTheTcpListenerServeBoth() {
        RelayConfig config = valid().tls(tls).tlsListenPorts(List.of()).detectTls(true).build();
        assertThat(config.listeners()).containsExactly(
                ClientListener.of(ClientTransport.UDP, ANY4, 3478),
                new ClientListener(ClientTransport.TCP, new InetSocketAddress(ANY4, 3478), true));
        assertThat(config.listeners().get(1)).hasToString("tcp+tls 0.0.0.0:3478");
    }

    @Test
    void tlsWithoutACertificateIsRefused() {
        assertThatThrownBy(() -> valid().detectTls(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("listener tcp+tls 0.0.0.0:3478: TLS needs a certificate (tls)");
        assertThatThrownBy(() -> valid().listeners(List.of(ClientListener.of(ClientTransport.TLS, ANY4, 5349))).build())
                .hasMessage("listener tls 0.0.0.0:5349: TLS needs a certificate (tls)");
    }

    @Test
    void explicitListenersReplaceTheDerivedOnes() {
        InetAddress one = ip("192.0.2.1");
        InetAddress two = ip("192.0.2.2");
        List<ClientListener> chosen = List.of(
                ClientListener.of(ClientTransport.UDP, one, 3478),
                ClientListener.of(ClientTransport.UDP, two, 3478),
                ClientListener.of(ClientTransport.TLS, one, 443));
        assertThat(valid().tls(tls).listeners(chosen).build().listeners()).isEqualTo(chosen);
    }

    @Test
    void aPortTwiceOrOneInTheRelayRangeIsRefused() {
        assertThatThrownBy(() -> valid().tls(tls).tlsListenPorts(List.of(3478)).build())
                .hasMessageStartingWith("listener tls 0.0.0.0:3478: given twice");
        assertThatThrownBy(() -> valid().tls(tls).tlsListenPorts(List.of(50000)).build())
                .hasMessage("listener tls 0.0.0.0:50000: port 50000 lies inside the relay port range 49152-65535");
        assertThatThrownBy(() -> valid().listeners(List.of()).build()).hasMessage("listeners: at least one is needed");
    }

    @Test
    void aListenerNeedsABindAddressOfItsFamily() {
        assertThatThrownBy(() -> valid().listeners(List.of(ClientListener.of(ClientTransport.TCP, ip("::1"), 3478))).build())
                .hasMessage("listener tcp [::1]:3478: no bind address of its family to relay from (bindIpv4/bindIpv6)");
    }

    @Test
    void streamSettingsAreCheckedAndNameTheirSetting() {
        StreamSettings defaults = StreamSettings.defaults();
        assertThat(defaults.sendQueueBytes()).isEqualTo(256 * 1024);
        assertThat(defaults.tlsHandshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.allocateTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.maxConnectionsPerIp()).isEqualTo(64);
        assertThatThrownBy(() -> defaults.withSendQueueBytes(1000)).hasMessageStartingWith("sendQueueBytes: must be at least 131104");
        assertThatThrownBy(() -> defaults.withConnectionLimits(0, 10)).hasMessageStartingWith("maxConnectionsPerIp");
        assertThatThrownBy(() -> defaults.withTimeouts(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageStartingWith("tlsHandshakeTimeout");
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
