package io.turnrelay.core.turn;

import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AddressErrorCode;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Allocate (RFC 8656 §7): transports, families, lifetimes, ports, reservations, retransmissions, quotas. */
class AllocateTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    private TestClient client(TurnHarness harness, int n, String user) {
        return new TestClient(harness, address("198.51.100.7", 41000 + n), user, user + "-pw");
    }

    @Test
    void nonUdpTransportIs442AndMissingTransportIs400() {
        alice.allocate(); // learn the nonce
        alice.refresh(0);
        assertThat(code(alice.request(StunMethod.ALLOCATE, w -> w.requestedTransport(6)))).isEqualTo(442);
        assertThat(code(alice.request(StunMethod.ALLOCATE, w -> {}))).isEqualTo(400);
    }

    @Test
    void lifetimeDefaultsTo600AndIsCappedAt3600() {
        assertThat(alice.allocate(w -> w.lifetime(100_000)).lifetime().getAsLong()).isEqualTo(3600);
        assertThat(client(h, 1, "bob").allocate(w -> w.lifetime(1200)).lifetime().getAsLong()).isEqualTo(1200);
        assertThat(client(h, 2, "bob").allocate().lifetime().getAsLong()).isEqualTo(600);
    }

    @Test
    void secondAllocateOnTheSameFiveTupleIs437() {
        alice.allocatePort();
        assertThat(code(alice.allocate())).isEqualTo(437);
    }

    @Test
    void retransmittedAllocateGetsTheOriginalResponseAgain() {
        alice.allocate(); // learns the nonce; allocation exists
        alice.refresh(0);
        TransactionId id = alice.newTransactionId();
        byte[] request = alice.encode(StunMethod.ALLOCATE, id, true, w -> w.requestedTransport(17));
        h.fromClient(CLIENT, request);
        List<TurnCommand.SendToClient> first = h.take(TurnCommand.SendToClient.class);

        h.advance(SECOND);
        h.fromClient(CLIENT, request);
        List<TurnCommand.SendToClient> second = h.take(TurnCommand.SendToClient.class);

        assertThat(first).hasSize(1);
        assertThat(second).hasSize(1);
        assertThat(second.get(0).message()).containsExactly(first.get(0).message());
        assertThat(code(TurnHarness.decode(second.get(0).message()))).isZero();
        assertThat(h.server.stats().allocations()).isEqualTo(1);
        assertThat(h.bindRequests).hasSize(2); // one per Allocate that created something
    }

    @Test
    void retransmissionWhileTheSocketIsBindingIsIgnored() {
        alice.allocate();
        alice.refresh(0);
        h.autoBind = false;
        byte[] request = alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17));
        h.fromClient(CLIENT, request);
        h.fromClient(CLIENT, request);
        List<TurnCommand.BindRelaySocket> binds = h.take(TurnCommand.BindRelaySocket.class);
        assertThat(binds).hasSize(1);
        assertThat(h.messagesTo(CLIENT)).isEmpty();

        assertThat(code(alice.send(alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)))))
                .isEqualTo(437);

        h.server.handleRelaySocketBound(binds.get(0).port(), AddressFamily.IPV4, h.now);
        h.pump();
        assertThat(h.messagesTo(CLIENT)).singleElement().satisfies(m -> assertThat(code(m)).isZero());
    }

    @Test
    void dualStackGivesTwoRelayedAddressesOnOnePortIpv4First() {
        StunMessage response = alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6));
        assertThat(code(response)).isZero();
        List<InetSocketAddress> relayed = response.xorRelayedAddresses();
        assertThat(relayed).hasSize(2);
        assertThat(relayed.get(0).getAddress()).isEqualTo(TurnHarness.PUBLIC_IPV4);
        assertThat(relayed.get(1).getAddress()).isEqualTo(TurnHarness.PUBLIC_IPV6);
        assertThat(relayed.get(0).getPort()).isEqualTo(relayed.get(1).getPort());
        assertThat(response.addressErrorCode()).isNull();
        assertThat(h.bindRequests).extracting(TurnCommand.BindRelaySocket::family)
                .containsExactly(AddressFamily.IPV4, AddressFamily.IPV6);
    }

    @Test
    void ipv6OnlyRequestGetsAnIpv6Address() {
        StunMessage response = alice.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV6));
        assertThat(response.xorRelayedAddresses()).singleElement()
                .satisfies(a -> assertThat(a.getAddress()).isEqualTo(TurnHarness.PUBLIC_IPV6));
    }

    @Test
    void partlyServedDualRequestCarriesAddressErrorCode() {
        TurnHarness v4only = TurnHarness.with(b -> b.publicIpv6(null));
        StunMessage response = new TestClient(v4only, CLIENT, "alice", "alice-pw")
                .allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6));
        assertThat(code(response)).isZero();
        assertThat(response.xorRelayedAddresses()).hasSize(1);
        AddressErrorCode error = response.addressErrorCode();
        assertThat(error).isNotNull();
        assertThat(error.family()).isEqualTo(AddressFamily.IPV6);
        assertThat(error.code()).isEqualTo(440);

        TurnHarness v6only = TurnHarness.with(b -> b.publicIpv4(null));
        StunMessage v6 = new TestClient(v6only, CLIENT, "alice", "alice-pw")
                .allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6));
        assertThat(v6.xorRelayedAddresses()).singleElement()
                .satisfies(a -> assertThat(a.getAddress()).isEqualTo(TurnHarness.PUBLIC_IPV6));
        assertThat(v6.addressErrorCode().family()).isEqualTo(AddressFamily.IPV4);
    }

    @Test
    void coturnsDraftCodepointForAdditionalAddressFamilyAlsoGivesADualAllocation() {
        StunMessage dual = alice.allocate(w -> w.rawAttribute(AttributeType.ADDITIONAL_ADDRESS_FAMILY_DRAFT, new byte[] {2, 0, 0, 0}));
        assertThat(dual.xorRelayedAddresses()).extracting(a -> a.getAddress())
                .containsExactly(TurnHarness.PUBLIC_IPV4, TurnHarness.PUBLIC_IPV6);
    }

    @Test
    void unservedFamilyIs440() {
        TurnHarness v4only = TurnHarness.with(b -> b.publicIpv6(null));
        TestClient c4 = new TestClient(v4only, CLIENT, "alice", "alice-pw");
        assertThat(code(c4.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV6)))).isEqualTo(440);

        TurnHarness v6only = TurnHarness.with(b -> b.publicIpv4(null));
        TestClient c6 = new TestClient(v6only, CLIENT, "alice", "alice-pw");
        assertThat(code(c6.allocate())).isEqualTo(440);
        assertThat(code(c6.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV4)))).isEqualTo(440);
        assertThat(code(alice.allocate(w -> w.rawAttribute(AttributeType.REQUESTED_ADDRESS_FAMILY, new byte[] {3, 0, 0, 0}))))
                .isEqualTo(440);
    }

    @Test
    void bothFamilyAttributesOrAdditionalIpv4Are400() {
        assertThat(code(alice.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV4).additionalAddressFamily(AddressFamily.IPV6))))
                .isEqualTo(400);
        assertThat(code(alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV4)))).isEqualTo(400);
        assertThat(h.bindRequests).isEmpty();
    }

    @Test
    void evenPortGivesAnEvenPort() {
        for (int i = 0; i < 8; i++) {
            StunMessage response = client(h, i, "carol").allocate(w -> w.evenPort(false));
            assertThat(code(response)).isZero();
            assertThat(response.xorRelayedAddresses().get(0).getPort() % 2).isZero();
            assertThat(response.reservationToken()).isEmpty();
        }
    }

    @Test
    void evenPortWithReserveHoldsTheNextPortForItsTokenFromAnotherFiveTuple() {
        StunMessage first = alice.allocate(w -> w.evenPort(true));
        int port = first.xorRelayedAddresses().get(0).getPort();
        assertThat(port % 2).isZero();
        long token = first.reservationToken().getAsLong();

        // Nobody else gets port + 1 while it is reserved.
        Set<Integer> others = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            others.add(client(h, i, i < 5 ? "bob" : "carol").allocatePort());
        }
        assertThat(others).doesNotContain(port + 1);

        TestClient other = new TestClient(h, address("198.51.100.99", 5555), "bob", "bob-pw");
        StunMessage second = other.allocate(w -> w.reservationToken(token));
        assertThat(code(second)).isZero();
        assertThat(second.xorRelayedAddresses().get(0).getPort()).isEqualTo(port + 1);

        TestClient third = new TestClient(h, address("198.51.100.99", 5556), "carol", "carol-pw");
        assertThat(code(third.allocate(w -> w.reservationToken(token)))).isEqualTo(508);
    }

    @Test
    void aReservationTokenGetsTheAddressFamiliesOfTheAllocationThatReserved() {
        StunMessage ipv6 = alice.allocate(w -> w.evenPort(true).requestedAddressFamily(AddressFamily.IPV6));
        InetSocketAddress reserving = ipv6.xorRelayedAddresses().get(0);
        TestClient other = new TestClient(h, address("198.51.100.99", 5555), "bob", "bob-pw");
        StunMessage redeemed = other.allocate(w -> w.reservationToken(ipv6.reservationToken().getAsLong()));
        assertThat(code(redeemed)).isZero();
        assertThat(redeemed.xorRelayedAddresses()).singleElement().satisfies(relayed -> {
            assertThat(relayed.getAddress()).isEqualTo(reserving.getAddress());
            assertThat(relayed.getPort()).isEqualTo(reserving.getPort() + 1);
        });

        TestClient dual = client(h, 1, "carol");
        StunMessage both = dual.allocate(w -> w.evenPort(true).additionalAddressFamily(AddressFamily.IPV6));
        TestClient redeemer = client(h, 2, "carol");
        StunMessage redeemedBoth = redeemer.allocate(w -> w.reservationToken(both.reservationToken().getAsLong()));
        assertThat(redeemedBoth.xorRelayedAddresses()).extracting(a -> AddressFamily.of(a.getAddress()))
                .containsExactly(AddressFamily.IPV4, AddressFamily.IPV6);
    }

    @Test
    void reservationExpiresExactlyAfter30Seconds() {
        StunMessage first = alice.allocate(w -> w.evenPort(true));
        long token = first.reservationToken().getAsLong();
        int reserved = first.xorRelayedAddresses().get(0).getPort() + 1;
        long deadline = h.now + 30 * SECOND;
        h.now = deadline - 1;
        h.timeout();
        TestClient other = new TestClient(h, address("198.51.100.99", 5555), "bob", "bob-pw");
        h.now = deadline;
        assertThat(code(other.allocate(w -> w.reservationToken(token)))).isEqualTo(508);
        // and the port went back to the pool: with 19 more allocations every port is used, including it
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 19; i++) {
            ports.add(client(h, i, i < 10 ? "bob" : "carol").allocatePort());
        }
        assertThat(ports).contains(reserved);
    }

    @Test
    void tokenWithEvenPortOrRequestedFamilyIs400() {
        assertThat(code(alice.allocate(w -> w.reservationToken(1L).evenPort(false)))).isEqualTo(400);
        assertThat(code(alice.allocate(w -> w.reservationToken(1L).requestedAddressFamily(AddressFamily.IPV4)))).isEqualTo(400);
        assertThat(code(alice.allocate(w -> w.reservationToken(1L)))).isEqualTo(508);
    }

    @Test
    void exhaustedRangeIs508() {
        TurnHarness small = TurnHarness.with(b -> b.portRange(50000, 50001));
        assertThat(code(new TestClient(small, address("198.51.100.7", 1), "alice", "alice-pw").allocate())).isZero();
        assertThat(code(new TestClient(small, address("198.51.100.7", 2), "alice", "alice-pw").allocate())).isZero();
        StunMessage third = new TestClient(small, address("198.51.100.7", 3), "alice", "alice-pw").allocate();
        assertThat(code(third)).isEqualTo(508);
    }

    @Test
    void failedBindsAreRetriedOnOtherPortsThen508() {
        TurnHarness small = TurnHarness.with(b -> b.portRange(50000, 50003));
        small.failingPorts.addAll(List.of(50000, 50001, 50003));
        StunMessage ok = new TestClient(small, CLIENT, "alice", "alice-pw").allocate();
        assertThat(code(ok)).isZero();
        assertThat(ok.xorRelayedAddresses().get(0).getPort()).isEqualTo(50002);
        assertThat(small.bindRequests).extracting(TurnCommand.BindRelaySocket::port).doesNotHaveDuplicates().endsWith(50002);

        small.failingPorts.add(50002);
        small.bindRequests.clear();
        StunMessage fail = new TestClient(small, address("198.51.100.7", 2), "alice", "alice-pw").allocate();
        assertThat(code(fail)).isEqualTo(508);
        assertThat(small.bindRequests).extracting(TurnCommand.BindRelaySocket::port)
                .containsExactlyInAnyOrder(50000, 50001, 50003);
    }

    @Test
    void dualBindFailureClosesTheFamilyAlreadyBound() {
        alice.allocate(); // learn the nonce
        alice.refresh(0);
        h.outbox.clear();
        h.autoBind = false;
        h.fromClient(CLIENT, alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true,
                w -> w.requestedTransport(17).additionalAddressFamily(AddressFamily.IPV6)));
        List<TurnCommand.BindRelaySocket> binds = h.take(TurnCommand.BindRelaySocket.class);
        assertThat(binds).hasSize(2);
        int port = binds.get(0).port();
        h.server.handleRelaySocketBound(port, AddressFamily.IPV4, h.now);
        h.server.handleRelaySocketBindFailed(port, AddressFamily.IPV6, h.now);
        h.pump();
        assertThat(h.take(TurnCommand.CloseRelaySocket.class)).containsExactly(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4));
        List<TurnCommand.BindRelaySocket> retry = h.take(TurnCommand.BindRelaySocket.class);
        assertThat(retry).hasSize(2).allSatisfy(b -> assertThat(b.port()).isNotEqualTo(port));
        assertThat(retry.get(0).port()).isEqualTo(retry.get(1).port());
    }

    @Test
    void perUserQuotaIs486() {
        TurnHarness quota = TurnHarness.with(b -> b.maxAllocationsPerUser(2));
        assertThat(code(client(quota, 1, "bob").allocate())).isZero();
        assertThat(code(client(quota, 2, "bob").allocate())).isZero();
        assertThat(code(client(quota, 3, "bob").allocate())).isEqualTo(486);
        assertThat(code(client(quota, 4, "carol").allocate())).isZero();
    }

    @Test
    void defaultPerUserQuotaIsTen() {
        for (int i = 0; i < 10; i++) {
            assertThat(code(client(h, i, "bob").allocate())).isZero();
        }
        assertThat(code(client(h, 10, "bob").allocate())).isEqualTo(486);
    }

    @Test
    void totalLimitIs508() {
        TurnHarness total = TurnHarness.with(b -> b.maxAllocations(2));
        assertThat(code(client(total, 1, "bob").allocate())).isZero();
        assertThat(code(client(total, 2, "carol").allocate())).isZero();
        assertThat(code(client(total, 3, "alice").allocate())).isEqualTo(508);
    }

    @Test
    void oneAllocationPerUsernameReplacesTheOldOne() {
        TurnHarness fz = TurnHarness.with(b -> b.oneAllocationPerUsername(true));
        TestClient before = client(fz, 1, "bob");
        int oldPort = before.allocatePort();
        fz.outbox.clear();
        TestClient after = client(fz, 2, "bob");
        assertThat(code(after.allocate())).isZero();
        assertThat(fz.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(before.address), oldPort, DeleteReason.REPLACED));
        assertThat(fz.server.stats().allocations()).isEqualTo(1);
        assertThat(code(before.refresh(600))).isEqualTo(437);
    }

    @Test
    void aRefusedAllocateDoesNotCostTheUserItsAllocationInOnePerUsernameMode() {
        TurnHarness fz = TurnHarness.with(b -> b.oneAllocationPerUsername(true));
        TestClient before = client(fz, 1, "bob");
        before.allocatePort();
        TestClient after = client(fz, 2, "bob");
        assertThat(code(after.allocate(w -> w.reservationToken(0x0123456789ABCDEFL)))).isEqualTo(508);
        assertThat(fz.server.stats().allocations()).isEqualTo(1);
        assertThat(code(before.refresh(600))).isZero();
    }

    @Test
    void stopAcceptingRefusesNewAllocatesButKeepsOldOnes() {
        alice.allocatePort();
        h.server.stopAccepting();
        assertThat(code(client(h, 1, "bob").allocate())).isEqualTo(508);
        assertThat(code(alice.refresh(600))).isZero();

        h.outbox.clear();
        h.server.releaseAll(h.now);
        h.pump();
        assertThat(h.take(TurnCommand.AllocationDeleted.class)).hasSize(1);
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
    }
}
