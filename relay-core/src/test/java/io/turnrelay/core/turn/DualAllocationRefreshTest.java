package io.turnrelay.core.turn;

import java.util.List;
import io.turnrelay.api.events.AllocationUsage;
import java.time.Duration;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ChannelData;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Refresh of a dual allocation (RFC 8656 §7): with REQUESTED-ADDRESS-FAMILY it refreshes, or with LIFETIME 0
 * deletes, only that family's relayed address; without it, every relayed address the allocation has.
 */
class DualAllocationRefreshTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER_V4 = address("93.184.216.34", 7000);
    static final InetSocketAddress PEER_V6 = address("2606:4700:4700::1111", 443);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
    int port;

    @BeforeEach
    void allocateDual() {
        StunMessage response = alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6));
        assertThat(response.xorRelayedAddresses()).hasSize(2);
        port = response.xorRelayedAddresses().get(0).getPort();
    }

    private StunMessage refresh(AddressFamily family, long lifetime) {
        return alice.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(family).lifetime(lifetime));
    }

    private void bindBothChannels() {
        assertThat(code(alice.channelBind(0x4000, PEER_V4))).isZero();
        assertThat(code(alice.channelBind(0x4001, PEER_V6))).isZero();
    }

    private RelayAction clientSendsOnChannel(int channel) {
        byte[] frame = new byte[ChannelData.HEADER_LENGTH + 4];
        ByteBuffer.wrap(frame).putShort((short) channel).putShort((short) 4);
        return h.fromClient(CLIENT, frame);
    }

    private RelayAction peerSends(InetSocketAddress peer) {
        ByteBuffer datagram = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        return h.fromPeer(peer, port, datagram, 0, 4);
    }

    @Test
    void lifetimeZeroWithAFamilyDeletesOnlyThatFamilysRelayedAddress() {
        bindBothChannels();
        assertThat(code(alice.createPermission(address("2a00:1450:4001:81c::200e", 9)))).isZero();
        h.outbox.clear();

        StunMessage response = refresh(AddressFamily.IPV6, 0);

        assertThat(code(response)).isZero();
        assertThat(response.lifetime()).hasValue(0);
        assertThat(h.take(TurnCommand.PermissionDeleted.class)).containsExactlyInAnyOrder(
                new TurnCommand.PermissionDeleted(TestLinks.udp(CLIENT), port, PEER_V6.getAddress()),
                new TurnCommand.PermissionDeleted(TestLinks.udp(CLIENT), port, address("2a00:1450:4001:81c::200e", 9).getAddress()));
        assertThat(h.outbox).containsExactly(
                new TurnCommand.ChannelUnbound(TestLinks.udp(CLIENT), 0x4001, PEER_V6, port),
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6));
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        assertThat(h.server.stats().channels()).isEqualTo(1);
        assertThat(h.server.stats().permissions()).isEqualTo(1);

        // IPv6 no longer relays either way; IPv4 does.
        assertThat(clientSendsOnChannel(0x4001)).isEqualTo(RelayAction.DROP);
        assertThat(peerSends(PEER_V6)).isEqualTo(RelayAction.DROP);
        assertThat(h.server.stats().dropped(DropReason.NO_CHANNEL)).isEqualTo(1);
        assertThat(h.server.stats().dropped(DropReason.NO_PERMISSION)).isEqualTo(1);
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(peerSends(PEER_V4)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);

        // The allocation has no IPv6 relayed address any more.
        assertThat(code(alice.createPermission(PEER_V6))).isEqualTo(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
        assertThat(code(alice.channelBind(0x4001, PEER_V6))).isEqualTo(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
        assertThat(code(refresh(AddressFamily.IPV6, 600))).isEqualTo(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
        assertThat(code(alice.refresh(600))).isZero();
        assertThat(h.server.freePorts()).isEqualTo(19);
    }

    @Test
    void deletingTheLastFamilyDeletesTheAllocation() {
        h.outbox.clear();
        assertThat(code(refresh(AddressFamily.IPV4, 0))).isZero();
        assertThat(h.outbox).containsExactly(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4));
        assertThat(h.server.freePorts()).isEqualTo(19);

        h.outbox.clear();
        assertThat(code(refresh(AddressFamily.IPV6, 0))).isZero();
        assertThat(h.outbox).containsExactly(
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6),
                TurnHarness.deletedIdle(TestLinks.udp(CLIENT), port, "alice", DeleteReason.CLIENT_DELETE, Duration.ZERO, AddressFamily.IPV6));
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.server.freePorts()).isEqualTo(20);
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.heldObjects()).isZero();
        assertThat(code(alice.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
    }

    @Test
    void aFamilyRefreshedAloneExpiresOnItsOwnLifetime() {
        h.advance(100 * SECOND);
        StunMessage refreshed = refresh(AddressFamily.IPV4, 1200); // IPv4 until 1300 s, IPv6 still until 600 s
        assertThat(refreshed.lifetime()).hasValue(1200);
        h.advance(400 * SECOND);
        bindBothChannels(); // at 500 s, until 1100 s
        h.outbox.clear();

        h.now = TurnHarness.START + 600 * SECOND - 1;
        h.timeout();
        assertThat(h.outbox).isEmpty();
        assertThat(peerSends(PEER_V6)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);

        h.now = TurnHarness.START + 600 * SECOND;
        h.timeout();
        assertThat(h.outbox).containsExactly(
                new TurnCommand.PermissionDeleted(TestLinks.udp(CLIENT), port, PEER_V6.getAddress()),
                new TurnCommand.ChannelUnbound(TestLinks.udp(CLIENT), 0x4001, PEER_V6, port),
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6));
        assertThat(peerSends(PEER_V6)).isEqualTo(RelayAction.DROP);
        assertThat(clientSendsOnChannel(0x4000)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(code(refresh(AddressFamily.IPV6, 600))).isEqualTo(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);

        // IPv4 lives on until 1300 s; its channel expires on its own at 1100 s.
        h.now = TurnHarness.START + 1300 * SECOND - 1;
        h.timeout();
        h.outbox.clear();
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        h.now = TurnHarness.START + 1300 * SECOND;
        h.timeout();
        assertThat(h.outbox).containsExactly(
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4),
                new TurnCommand.AllocationDeleted(TestLinks.udp(CLIENT), port, "alice",
                        List.of(new InetSocketAddress(TurnHarness.PUBLIC_IPV4, port)), DeleteReason.EXPIRED,
                        new AllocationUsage(1, 4, 1, 4, Duration.ofSeconds(1300)))); // one 4-byte packet each way above
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.server.freePorts()).isEqualTo(20);
    }

    @Test
    void aRefreshWithoutAFamilyAppliesToBoth() {
        h.advance(100 * SECOND);
        assertThat(refresh(AddressFamily.IPV6, 60).lifetime()).hasValue(60); // IPv6 until 160 s
        assertThat(alice.refresh(900).lifetime()).hasValue(900); // both until 1000 s
        h.outbox.clear();

        h.now = TurnHarness.START + 1000 * SECOND - 1;
        h.timeout();
        assertThat(h.outbox).isEmpty();
        h.now = TurnHarness.START + 1000 * SECOND;
        h.timeout();
        assertThat(h.outbox).containsExactly(
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4),
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6),
                TurnHarness.deletedIdle(TestLinks.udp(CLIENT), port, "alice", DeleteReason.EXPIRED, Duration.ofSeconds(1000), AddressFamily.IPV4,
                        AddressFamily.IPV6));
    }

    @Test
    void aShorterLifetimeForOneFamilyBringsItsExpiryForward() {
        h.advance(100 * SECOND);
        assertThat(code(refresh(AddressFamily.IPV6, 60))).isZero();
        h.outbox.clear();
        assertThat(h.server.pollTimeout()).isEqualTo(TurnHarness.START + 160 * SECOND);
        h.now = TurnHarness.START + 160 * SECOND;
        h.timeout();
        assertThat(h.outbox).containsExactly(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6));
        assertThat(h.server.pollTimeout()).isEqualTo(TurnHarness.START + 600 * SECOND);
    }

    @Test
    void lifetimeZeroWithTheFamilyOfASingleFamilyAllocationDeletesIt() {
        TestClient bob = new TestClient(h, address("198.51.100.8", 1), "bob", "bob-pw");
        int bobsPort = bob.allocatePort();
        h.outbox.clear();
        assertThat(code(bob.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV6).lifetime(0))))
                .isEqualTo(ErrorCode.PEER_ADDRESS_FAMILY_MISMATCH);
        assertThat(code(bob.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV4).lifetime(0)))).isZero();
        assertThat(h.outbox).containsExactly(
                new TurnCommand.CloseRelaySocket(bobsPort, AddressFamily.IPV4),
                TurnHarness.deletedIdle(TestLinks.udp(bob.address), bobsPort, "bob", DeleteReason.CLIENT_DELETE, Duration.ZERO, AddressFamily.IPV4));
    }
}
