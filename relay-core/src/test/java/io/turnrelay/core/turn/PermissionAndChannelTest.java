package io.turnrelay.core.turn;

import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** CreatePermission (RFC 8656 §9) and ChannelBind (§12): lifetimes, conflicts, cooldown, policy, families. */
class PermissionAndChannelTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);
    static final InetSocketAddress OTHER_PEER = address("8.8.8.8", 53);
    static final InetSocketAddress PEER_V6 = address("2606:4700:4700::1111", 443);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
    final byte[] payload = {0, 0, 0, 0, 1, 2, 3};

    private RelayAction peerSends(InetSocketAddress peer, int port) {
        RelayAction action = h.fromPeer(peer, port, ByteBuffer.wrap(payload.clone()), 4, 3);
        h.take(TurnCommand.RelayToClient.class); // Data indications are checked in CoreFlowTest
        return action;
    }

    private RelayAction clientSendsOnChannel(int channel) {
        byte[] frame = {(byte) (channel >> 8), (byte) channel, 0, 1, 42, 0, 0, 0};
        return h.fromClient(CLIENT, frame);
    }

    @Test
    void createPermissionInstallsOnePermissionPerPeerIp() {
        int port = alice.allocatePort();
        assertThat(code(alice.createPermission(PEER, OTHER_PEER))).isZero();
        assertThat(h.server.stats().permissions()).isEqualTo(2);
        // Permissions are per IP: any port of that IP may send.
        assertThat(peerSends(address("93.184.216.34", 1), port)).isEqualTo(RelayAction.HANDLED);
        assertThat(peerSends(address("8.8.8.8", 9), port)).isEqualTo(RelayAction.HANDLED);
        assertThat(peerSends(address("1.1.1.1", 9), port)).isEqualTo(RelayAction.DROP);
    }

    @Test
    void permissionsPastTheCapAre508ButRefreshingHeldOnesStillWorks() {
        TurnHarness capped = TurnHarness.with(b -> b.maxPermissionsPerAllocation(2));
        TestClient bob = new TestClient(capped, CLIENT, "bob", "bob-pw");
        bob.allocate();
        assertThat(code(bob.createPermission(PEER, OTHER_PEER))).isZero();
        InetSocketAddress third = address("1.1.1.1", 53);
        assertThat(code(bob.createPermission(third))).isEqualTo(508);
        assertThat(code(bob.createPermission(PEER, third))).as("all or nothing").isEqualTo(508);
        assertThat(code(bob.channelBind(0x4000, third))).isEqualTo(508);
        assertThat(code(bob.createPermission(PEER, OTHER_PEER, PEER))).as("refresh, duplicates counted once").isZero();
        assertThat(code(bob.channelBind(0x4001, OTHER_PEER))).as("a channel to a permitted peer").isZero();
        assertThat(capped.server.stats().permissions()).isEqualTo(2);
    }

    @Test
    void permissionExpiresAfter300SecondsExactlyAndRefreshExtendsIt() {
        int port = alice.allocatePort();
        alice.refresh(3600);
        alice.createPermission(PEER);
        long deadline = h.now + 300 * SECOND;
        assertThat(h.server.pollTimeout()).isEqualTo(deadline);

        h.now = deadline - 1;
        h.timeout();
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.HANDLED);
        h.now = deadline;
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.DROP); // dead at the deadline even before the sweep
        h.timeout();
        assertThat(h.server.stats().permissions()).isZero();

        alice.createPermission(PEER);
        h.advance(200 * SECOND);
        alice.createPermission(PEER);
        h.advance(200 * SECOND);
        h.timeout();
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.HANDLED);
        assertThat(h.server.stats().permissions()).isEqualTo(1);
    }

    @Test
    void createPermissionErrors() {
        assertThat(code(alice.createPermission(PEER))).isEqualTo(437);
        alice.allocatePort();
        assertThat(code(alice.request(StunMethod.CREATE_PERMISSION, w -> {}))).isEqualTo(400);
        assertThat(code(alice.createPermission(PEER_V6))).isEqualTo(443);
        assertThat(code(alice.createPermission(PEER, address("127.0.0.1", 80)))).isEqualTo(403);
        assertThat(h.server.stats().permissions()).isZero(); // all or nothing
    }

    @Test
    void policyIsCheckedOnEveryPath() {
        int port = alice.allocatePort();
        InetSocketAddress mappedLoopback = address("::ffff:127.0.0.1", 80);
        assertThat(code(alice.createPermission(mappedLoopback))).isEqualTo(403);
        assertThat(code(alice.channelBind(0x4000, mappedLoopback))).isEqualTo(403);
        assertThat(code(alice.createPermission(address("169.254.169.254", 80)))).isEqualTo(403);
        assertThat(code(alice.createPermission(address("10.1.2.3", 80)))).isEqualTo(403);
        assertThat(code(alice.createPermission(TurnHarness.address("203.0.113.10", 1)))).isEqualTo(403);

        byte[] send = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(address("127.0.0.1", 80)).data(new byte[] {1}, 0, 1));
        assertThat(h.fromClient(CLIENT, send)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.FORBIDDEN_PEER)).isEqualTo(1);

        TurnHarness lan = TurnHarness.with(b -> b.peerPolicy(PeerAddressPolicy.builder().allowPrivate(true).allowLoopback(true).build()));
        TestClient lanClient = new TestClient(lan, CLIENT, "alice", "alice-pw");
        lanClient.allocatePort();
        assertThat(code(lanClient.createPermission(address("10.1.2.3", 80), address("127.0.0.1", 80)))).isZero();
        assertThat(port).isPositive();
    }

    @Test
    void ipv6PeersNeedAnIpv6Allocation() {
        assertThat(code(alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6)))).isZero();
        assertThat(code(alice.createPermission(PEER_V6, PEER))).isZero();
        assertThat(code(alice.channelBind(0x4000, PEER_V6))).isZero();
    }

    @Test
    void channelBindInstallsThePermissionAndRelaysBothWays() {
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        assertThat(h.server.stats().permissions()).isEqualTo(1);
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        // Another port of the same IP has the permission but no channel: Data indication.
        assertThat(peerSends(address("93.184.216.34", 7001), port)).isEqualTo(RelayAction.HANDLED);
        assertThat(clientSendsOnChannel(0x4001)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.NO_CHANNEL)).isEqualTo(1);
    }

    @Test
    void channelNumberRange() {
        alice.allocatePort();
        assertThat(code(alice.channelBind(0x3FFF, PEER))).isEqualTo(400);
        assertThat(code(alice.channelBind(0x5000, PEER))).isEqualTo(400);
        assertThat(code(alice.channelBind(0x4FFF, PEER))).isZero();

        TurnHarness old = TurnHarness.with(b -> b.rfc5766ChannelNumbers(true));
        TestClient oldClient = new TestClient(old, CLIENT, "alice", "alice-pw");
        oldClient.allocatePort();
        assertThat(code(oldClient.channelBind(0x7FFF, PEER))).isZero();
        assertThat(code(oldClient.channelBind(0x8000, OTHER_PEER))).isEqualTo(400);
        byte[] frame = {0x7F, (byte) 0xFF, 0, 1, 42, 0, 0, 0};
        assertThat(old.fromClient(CLIENT, frame)).isEqualTo(RelayAction.FORWARD_TO_PEER);
    }

    @Test
    void channelBindErrors() {
        assertThat(code(alice.channelBind(0x4000, PEER))).isEqualTo(437);
        alice.allocatePort();
        assertThat(code(alice.request(StunMethod.CHANNEL_BIND, w -> w.channelNumber(0x4000)))).isEqualTo(400);
        assertThat(code(alice.request(StunMethod.CHANNEL_BIND, w -> w.xorPeerAddress(PEER)))).isEqualTo(400);
        assertThat(code(alice.channelBind(0x4000, PEER_V6))).isEqualTo(443);
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        assertThat(code(alice.channelBind(0x4000, OTHER_PEER))).isEqualTo(400); // number taken by another peer
        assertThat(code(alice.channelBind(0x4001, PEER))).isEqualTo(400); // peer on another number
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero(); // same pair refreshes
        assertThat(h.server.stats().channels()).isEqualTo(1);
    }

    @Test
    void channelExpiresAt600SecondsThenCoolsDownFor300() {
        int port = alice.allocatePort();
        alice.refresh(3600);
        alice.channelBind(0x4000, PEER);
        long expiry = h.now + 600 * SECOND;
        h.outbox.clear();

        h.now = expiry - 1;
        h.timeout();
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.FORWARD_TO_PEER);

        h.now = expiry;
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.DROP);
        h.timeout();
        assertThat(h.take(TurnCommand.ChannelUnbound.class)).containsExactly(new TurnCommand.ChannelUnbound(TestLinks.udp(CLIENT), 0x4000, PEER, port));
        assertThat(h.server.stats().channels()).isZero();
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.DROP); // permission (300 s) is gone too

        // During the cooldown the number and the peer are reserved for each other.
        h.now = expiry + 300 * SECOND - 1;
        h.timeout();
        assertThat(code(alice.channelBind(0x4000, OTHER_PEER))).isEqualTo(400);
        assertThat(code(alice.channelBind(0x4001, PEER))).isEqualTo(400);

        h.now = expiry + 300 * SECOND;
        h.timeout();
        assertThat(code(alice.channelBind(0x4000, OTHER_PEER))).isZero();
        assertThat(code(alice.channelBind(0x4001, PEER))).isZero();
    }

    @Test
    void samePairMayRebindDuringTheCooldown() {
        int port = alice.allocatePort();
        alice.refresh(3600);
        alice.channelBind(0x4000, PEER);
        h.advance(600 * SECOND);
        h.timeout();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        assertThat(h.server.stats().channels()).isEqualTo(1);
        assertThat(peerSends(PEER, port)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        assertThat(h.server.pollTimeout()).isEqualTo(h.now + 300 * SECOND); // the re-installed permission
    }

    @Test
    void channelsAreScopedPerClient() {
        alice.allocatePort();
        alice.channelBind(0x4000, PEER);
        TestClient bob = new TestClient(h, address("198.51.100.8", 1), "bob", "bob-pw");
        bob.allocatePort();
        assertThat(code(bob.channelBind(0x4000, OTHER_PEER))).isZero();
    }
}
