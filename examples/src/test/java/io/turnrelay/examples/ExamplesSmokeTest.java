package io.turnrelay.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.Relay;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.spi.SocketTurnClient;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example starts a real relay on loopback, and a TURN client allocates through it (or is refused). */
class ExamplesSmokeTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private int listenPort;
    private int lowestPort;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private void pickPorts() throws Exception {
        listenPort = LoopbackPorts.freeUdpAndTcpPort();
        lowestPort = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
    }

    private SocketTurnClient client(String user, String password) throws Exception {
        return track(new SocketTurnClient(LOOPBACK, new InetSocketAddress(LOOPBACK, listenPort), user, password));
    }

    @Test
    void embeddedRelayWithStaticUsersAllocates() throws Exception {
        pickPorts();
        Relay relay = track(EmbeddedRelayExample.start(listenPort, lowestPort, lowestPort + 9));
        assertThat(client("alice", "wonderland").allocate()).hasSize(1);
        assertThat(errorCode(client("alice", "wrong").allocate(w -> {}))).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(relay.stats().allocations()).isEqualTo(1);
    }

    @Test
    void customAuthenticatorUsesTheApplicationsStore() throws Exception {
        pickPorts();
        CustomAuthenticatorExample.UserStore store = new CustomAuthenticatorExample.UserStore("example.com");
        store.register("carol", "horse");
        store.register("erin", "battery");
        store.disable("erin");
        track(CustomAuthenticatorExample.start(store, listenPort, lowestPort, lowestPort + 9));
        StunMessage allowed = client("carol", "horse").allocate(w -> {});
        assertThat(allowed.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(errorCode(client("erin", "battery").allocate(w -> {}))).isEqualTo(ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void restCredentialsMintedByTheApplicationWorkUntilTheyExpire() throws Exception {
        pickPorts();
        String secret = "shared-secret";
        track(TurnRestCredentialsExample.start(secret, listenPort, lowestPort, lowestPort + 9));
        TurnRestCredentialsExample.IceCredentials fresh = TurnRestCredentialsExample.mint(secret, "dave", Duration.ofHours(1), Clock.systemUTC());
        assertThat(client(fresh.username(), fresh.credential()).allocate()).hasSize(1);

        Clock lastWeek = Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC);
        TurnRestCredentialsExample.IceCredentials expired = TurnRestCredentialsExample.mint(secret, "dave", Duration.ofHours(1), lastWeek);
        assertThat(errorCode(client(expired.username(), expired.credential()).allocate(w -> {}))).isEqualTo(ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void tlsRelayServesUdpTcpAndTlsFromPemFiles(@TempDir Path directory) throws Exception {
        pickPorts();
        int tlsPort = LoopbackPorts.freeTcpPort();
        TestCertificates.Leaf leaf = TestCertificates.create(directory);
        Relay relay = track(TlsRelayExample.start(TlsCredentials.fromPem(leaf.chainPem(), leaf.keyPem()), listenPort, tlsPort,
                lowestPort, lowestPort + 9));
        assertThat(TlsRelayExample.listeners(relay)).containsExactly(
                "udp 127.0.0.1:" + listenPort, "tcp 127.0.0.1:" + listenPort, "tls 127.0.0.1:" + tlsPort);
        InetSocketAddress server = new InetSocketAddress(LOOPBACK, listenPort);
        assertThat(client("alice", "wonderland").allocate()).hasSize(1);
        assertThat(track(SocketTurnClient.tcp(LOOPBACK, server, "alice", "wonderland")).allocate()).hasSize(1);
        SocketTurnClient tls = track(SocketTurnClient.tls(LOOPBACK, new InetSocketAddress(LOOPBACK, tlsPort), "alice", "wonderland",
                leaf.clientContextTrustingCa()));
        assertThat(tls.allocate()).hasSize(1);
        assertThat(relay.stats().of(ClientTransport.TLS).allocations()).isEqualTo(1);
        assertThat(relay.stats().allocations()).isEqualTo(3);
    }

    @Test
    void usagePerUserSumsWhatEachUsersAllocationsRelayed() throws Exception {
        pickPorts();
        UsagePerUserExample.UsageByUser usage = new UsagePerUserExample.UsageByUser();
        Relay relay = track(UsagePerUserExample.start(usage, PeerAddressPolicy.builder().allowLoopback(true).build(), listenPort,
                lowestPort, lowestPort + 9));
        DatagramSocket peer = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        SocketTurnClient alice = client("alice", "wonderland");
        alice.allocate();
        SocketTurnClient.requireSuccess(alice.channelBind(0x4000, (InetSocketAddress) peer.getLocalSocketAddress()));
        alice.sendChannelData(0x4000, new byte[100]);
        alice.sendChannelData(0x4000, new byte[50]);
        peer.setSoTimeout(5_000);
        for (int i = 0; i < 2; i++) {
            peer.receive(new DatagramPacket(new byte[200], 200));
        }
        SocketTurnClient.requireSuccess(alice.refresh(0));
        client("alice", "wonderland").allocate();
        client("bob", "builder").allocate();

        relay.close(); // delivers the deletions of the two allocations still open

        assertThat(usage.totals()).containsOnlyKeys("alice", "bob");
        assertThat(usage.totals().get("alice")).satisfies(alices -> {
            assertThat(alices.allocations()).isEqualTo(2);
            assertThat(alices.bytesToPeers()).isEqualTo(150);
            assertThat(alices.bytesToClients()).isZero();
        });
        assertThat(usage.totals().get("bob").allocations()).isEqualTo(1);
        assertThat(usage.totals().get("bob").bytesToPeers()).isZero();
    }

    private static int errorCode(StunMessage response) {
        return SocketTurnClient.errorCode(response);
    }
}
