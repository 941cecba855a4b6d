package io.turnrelay.core.turn;

import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Two servers sharing one {@link AllocationLedger}, as the shards of a relay do: one port range, global limits,
 * and reservation tokens redeemable on either. Both are driven with the same virtual time.
 */
class SharedLedgerTest {
    private List<TurnHarness> servers;
    private TurnHarness a;
    private TurnHarness b;
    private int nextClient;

    /** How often a server asked its driver to wake {@code target}'s server. */
    private long wakesOf(TurnHarness target) {
        return java.util.stream.Stream.of(a, b).flatMap(h -> h.wakes.stream()).filter(w -> w.server() == target.server).count();
    }

    private void start(UnaryOperator<TurnServerConfig.Builder> customise) {
        servers = TurnHarness.sharing(2, customise);
        a = servers.get(0);
        b = servers.get(1);
    }

    private TestClient client(TurnHarness server, String user) {
        nextClient++;
        return new TestClient(server, address("198.51.100." + (nextClient / 200 + 1), 40000 + nextClient), user, user + "-pw");
    }

    private void advance(long nanos) {
        for (TurnHarness server : servers) {
            server.advance(nanos);
        }
    }

    @Test
    void eitherServerTakesAnyFreePortOfTheRangeAndOnlyAFullRangeIs508() {
        start(c -> c.maxAllocationsPerUser(100));
        Set<Integer> ports = new HashSet<>();
        // 15 + 5: a split range would have run out on the first server after 10.
        for (int i = 0; i < 15; i++) {
            assertThat(ports.add(client(a, "bob").allocatePort())).isTrue();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(ports.add(client(b, "bob").allocatePort())).isTrue();
        }
        assertThat(ports).hasSize(20).allSatisfy(port -> assertThat(port).isBetween(50000, 50019));
        assertThat(code(client(a, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(code(client(b, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(a.server.freePorts()).isZero();
    }

    @Test
    void aPortFreedOnOneServerGoesToTheOther() {
        start(c -> c.portRange(50000, 50001));
        TestClient first = client(a, "alice");
        int freed = first.allocatePort();
        int other = client(a, "bob").allocatePort();
        assertThat(code(client(b, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);

        assertThat(code(first.refresh(0))).isZero();
        assertThat(a.take(TurnCommand.CloseRelaySocket.class)).containsExactly(new TurnCommand.CloseRelaySocket(freed, AddressFamily.IPV4));
        assertThat(client(b, "carol").allocatePort()).isEqualTo(freed).isNotEqualTo(other);
    }

    @Test
    void thePerUserQuotaCountsTheAllocationsOnBothServers() {
        start(c -> c.maxAllocationsPerUser(2));
        TestClient onA = client(a, "bob");
        assertThat(code(onA.allocate())).isZero();
        assertThat(code(client(b, "bob").allocate())).isZero();
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);
        assertThat(code(client(a, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);
        assertThat(code(client(b, "carol").allocate())).isZero();

        // Deleting the allocation on one server gives the user room on the other.
        assertThat(code(onA.refresh(0))).isZero();
        assertThat(code(client(b, "bob").allocate())).isZero();
    }

    @Test
    void anExpiredAllocationGivesItsQuotaBack() {
        start(c -> c.maxAllocationsPerUser(1));
        assertThat(code(client(a, "bob").allocate(w -> w.lifetime(60)))).isZero();
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);
        advance(60 * SECOND);
        a.timeout();
        assertThat(code(client(b, "bob").allocate())).isZero();
    }

    @Test
    void aPendingAllocateCountsAndAFailedOneGivesItsQuotaBack() {
        start(c -> c.maxAllocationsPerUser(1).portRange(50000, 50001));
        TestClient pending = client(a, "bob");
        pending.allocate(); // learn the nonce
        pending.refresh(0);
        a.autoBind = false;
        a.outbox.clear();
        a.fromClient(pending.address, pending.encode(StunMethod.ALLOCATE, pending.newTransactionId(), true,
                w -> w.requestedTransport(17)));
        List<TurnCommand.BindRelaySocket> binds = a.take(TurnCommand.BindRelaySocket.class);
        assertThat(binds).hasSize(1);
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);

        // Every port fails to bind: 508, and the quota is free again.
        a.failingPorts.addAll(List.of(50000, 50001));
        a.autoBind = true;
        a.server.handleRelaySocketBindFailed(binds.get(0).port(), AddressFamily.IPV4, a.now);
        a.pump();
        assertThat(a.messagesTo(pending.address)).singleElement()
                .satisfies(m -> assertThat(code(m)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY));
        assertThat(code(client(b, "bob").allocate())).isZero();
    }

    @Test
    void maxAllocationsCountsBothServers() {
        start(c -> c.maxAllocations(3).maxAllocationsPerUser(100));
        assertThat(code(client(a, "bob").allocate())).isZero();
        assertThat(code(client(a, "bob").allocate())).isZero();
        assertThat(code(client(b, "bob").allocate())).isZero();
        assertThat(code(client(b, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(code(client(a, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(a.server.freePorts()).isEqualTo(17);
    }

    @Test
    void aReservationTokenIsRedeemedOnTheOtherServer() {
        start(c -> c);
        StunMessage reserving = client(a, "alice").allocate(w -> w.evenPort(true).additionalAddressFamily(AddressFamily.IPV6));
        assertThat(code(reserving)).isZero();
        int port = reserving.xorRelayedAddresses().get(0).getPort();
        long token = reserving.reservationToken().getAsLong();
        assertThat(a.bindRequests).extracting(TurnCommand.BindRelaySocket::port).containsOnly(port);

        TestClient redeemer = client(b, "bob");
        StunMessage redeemed = redeemer.allocate(w -> w.reservationToken(token));
        assertThat(code(redeemed)).isZero();
        assertThat(redeemed.xorRelayedAddresses()).extracting(InetSocketAddress::getPort).containsExactly(port + 1, port + 1);
        assertThat(redeemed.xorRelayedAddresses()).extracting(r -> AddressFamily.of(r.getAddress()))
                .containsExactly(AddressFamily.IPV4, AddressFamily.IPV6);
        // The redeeming server binds the reserved port; nobody had a socket on it before.
        assertThat(b.bindRequests).containsExactly(
                new TurnCommand.BindRelaySocket(port + 1, AddressFamily.IPV4),
                new TurnCommand.BindRelaySocket(port + 1, AddressFamily.IPV6));
        assertThat(code(client(a, "carol").allocate(w -> w.reservationToken(token)))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);

        // When the reservation's deadline comes on the first server, the port stays with the redeeming allocation.
        advance(30 * SECOND);
        a.outbox.clear();
        a.timeout();
        assertThat(a.outbox).isEmpty();
        assertThat(a.server.heldObjects()).isEqualTo(b.server.heldObjects()).isEqualTo(2); // an allocation and its deadline
        Set<Integer> others = new HashSet<>();
        for (int i = 0; i < 18; i++) {
            others.add(client(i % 2 == 0 ? a : b, i < 9 ? "bob" : "carol").allocatePort());
        }
        assertThat(others).hasSize(18).doesNotContain(port, port + 1);
        assertThat(code(client(a, "carol").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    @Test
    void anExpiredReservationCannotBeRedeemedEvenBeforeItsServerNoticed() {
        start(c -> c);
        StunMessage reserving = client(a, "alice").allocate(w -> w.evenPort(true));
        long token = reserving.reservationToken().getAsLong();
        int reserved = reserving.xorRelayedAddresses().get(0).getPort() + 1;
        advance(30 * SECOND);
        // Server a has not run its timeout yet, but at b's time the reservation is over.
        assertThat(code(client(b, "bob").allocate(w -> w.reservationToken(token)))).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(a.server.freePorts()).isEqualTo(18);
        a.timeout();
        assertThat(a.server.freePorts()).isEqualTo(19);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 19; i++) {
            ports.add(client(b, i < 9 ? "bob" : "carol").allocatePort());
        }
        assertThat(ports).contains(reserved);
    }

    @Test
    void releaseAllOnOneServerLeavesTheOtherServersAllocations() {
        start(c -> c.maxAllocationsPerUser(3));
        TestClient onA = client(a, "bob");
        int portA = onA.allocatePort();
        StunMessage reserving = client(a, "bob").allocate(w -> w.evenPort(true));
        TestClient onB = client(b, "bob");
        int portB = onB.allocatePort();
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);

        a.server.stopAccepting();
        a.server.releaseAll(a.now);
        a.pump();
        assertThat(a.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(a.server.heldObjects()).isZero();
        assertThat(a.take(TurnCommand.AllocationDeleted.class)).extracting(TurnCommand.AllocationDeleted::port)
                .containsExactlyInAnyOrder(portA, reserving.xorRelayedAddresses().get(0).getPort());
        assertThat(code(client(b, "bob").allocate(w -> w.reservationToken(reserving.reservationToken().getAsLong()))))
                .isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(b.server.freePorts()).isEqualTo(19);
        assertThat(code(onB.refresh(600))).isZero();
        assertThat(portB).isNotEqualTo(portA);
        assertThat(code(client(b, "bob").allocate())).isZero();
        assertThat(code(client(b, "bob").allocate())).isZero();
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);
    }

    @Test
    void aNewAllocationOnOneServerReplacesTheUsersAllocationOnTheOtherOnTheOthersTurn() {
        start(c -> c.oneAllocationPerUsername(true));
        InetSocketAddress peer = address("93.184.216.34", 9000);
        TestClient onA = client(a, "bob");
        int portA = onA.allocatePort();
        assertThat(code(onA.channelBind(0x4000, peer))).isZero();
        TestClient carolOnA = client(a, "carol");
        int carolsPort = carolOnA.allocatePort();
        TestClient aliceOnB = client(b, "alice");
        aliceOnB.allocatePort();
        assertThat(wakesOf(a) + wakesOf(b)).isZero();
        a.outbox.clear();

        TestClient onB = client(b, "bob");
        int portB = onB.allocatePort();
        // B only queued the work and woke A; A's state is untouched until A's own turn.
        assertThat(wakesOf(a)).isEqualTo(1);
        assertThat(wakesOf(b)).isEqualTo(0);
        assertThat(a.outbox).isEmpty();
        assertThat(b.take(TurnCommand.AllocationDeleted.class)).isEmpty();
        assertThat(a.server.ledgerAllocations()).isEqualTo(4);
        assertThat(a.server.freePorts()).isEqualTo(16);

        a.ledgerWork();
        assertThat(a.take(TurnCommand.PermissionDeleted.class))
                .containsExactly(new TurnCommand.PermissionDeleted(TestLinks.udp(onA.address), portA, peer.getAddress()));
        assertThat(a.take(TurnCommand.ChannelUnbound.class))
                .containsExactly(new TurnCommand.ChannelUnbound(TestLinks.udp(onA.address), 0x4000, peer, portA));
        assertThat(a.take(TurnCommand.CloseRelaySocket.class)).containsExactly(new TurnCommand.CloseRelaySocket(portA, AddressFamily.IPV4));
        assertThat(a.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(onA.address), portA, DeleteReason.REPLACED));
        assertThat(a.outbox).isEmpty();
        assertThat(a.server.stats().allocations()).isEqualTo(1);
        assertThat(a.server.stats().channels()).isZero();
        assertThat(a.server.stats().permissions()).isZero();
        assertThat(a.server.ledgerAllocations()).isEqualTo(3);
        assertThat(a.server.freePorts()).isEqualTo(17);

        // Bob holds exactly one allocation, the new one; the other users keep theirs.
        assertThat(code(onA.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
        assertThat(code(onB.refresh(600))).isZero();
        assertThat(code(carolOnA.refresh(600))).isZero();
        assertThat(code(aliceOnB.refresh(600))).isZero();
        assertThat(portB).isNotEqualTo(portA).isNotEqualTo(carolsPort);

        // The work is done: running it again, or on the other server, changes nothing.
        a.outbox.clear();
        b.outbox.clear();
        a.ledgerWork();
        b.ledgerWork();
        assertThat(a.outbox).isEmpty();
        assertThat(b.outbox).isEmpty();
        assertThat(wakesOf(a)).isEqualTo(1);
        assertThat(wakesOf(b)).isEqualTo(0);
    }

    @Test
    void workForAnAllocationThatExpiredMeanwhileDoesNothing() {
        start(c -> c.oneAllocationPerUsername(true));
        TestClient onA = client(a, "bob");
        int portA = onA.allocate(w -> w.lifetime(60)).xorRelayedAddresses().get(0).getPort();
        advance(60 * SECOND);
        // A has not noticed the expiry yet, so B's allocation queues work for it.
        assertThat(client(b, "bob").allocatePort()).isNotEqualTo(portA);
        assertThat(wakesOf(a)).isEqualTo(1);

        a.timeout();
        assertThat(a.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(onA.address), portA, DeleteReason.EXPIRED));
        a.outbox.clear();
        a.ledgerWork();
        assertThat(a.outbox).isEmpty();
        assertThat(a.server.heldObjects()).isZero();
        assertThat(a.server.ledgerAllocations()).isEqualTo(1);
        assertThat(a.server.freePorts()).isEqualTo(19);
    }

    @Test
    void theUsersAllocationMadeOnTheFirstServerAfterTheReplacingOneSurvivesTheStaleWork() {
        start(c -> c.oneAllocationPerUsername(true));
        TestClient first = client(a, "bob");
        int firstPort = first.allocatePort();
        TestClient second = client(b, "bob");
        int secondPort = second.allocatePort();
        // Before A does the work, the user's NAT flips back to A: the newest allocation is the third one.
        a.outbox.clear();
        TestClient third = client(a, "bob");
        int thirdPort = third.allocatePort();
        assertThat(a.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(first.address), firstPort, DeleteReason.REPLACED));

        a.outbox.clear();
        a.ledgerWork();
        assertThat(a.outbox).isEmpty();
        b.outbox.clear();
        b.ledgerWork();
        assertThat(b.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(second.address), secondPort, DeleteReason.REPLACED));
        assertThat(b.take(TurnCommand.CloseRelaySocket.class)).containsExactly(new TurnCommand.CloseRelaySocket(secondPort, AddressFamily.IPV4));

        assertThat(code(third.refresh(600))).isZero();
        assertThat(code(second.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
        assertThat(a.server.stats().allocations() + b.server.stats().allocations()).isOne();
        assertThat(a.server.ledgerAllocations()).isOne();
        assertThat(a.server.freePorts()).isEqualTo(19);
        assertThat(thirdPort).isNotEqualTo(secondPort);
    }

    @Test
    void anotherServersAllocationOfTheUserDoesNotCountAgainstTheTotal() {
        start(c -> c.oneAllocationPerUsername(true).maxAllocations(2));
        TestClient onA = client(a, "bob");
        onA.allocatePort();
        client(a, "carol").allocatePort();
        assertThat(code(client(b, "alice").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        // Bob's allocation on A is about to be replaced, so his new one on B fits.
        assertThat(code(client(b, "bob").allocate())).isZero();
        a.ledgerWork();
        assertThat(a.server.ledgerAllocations()).isEqualTo(2);
        assertThat(code(onA.refresh(600))).isEqualTo(ErrorCode.ALLOCATION_MISMATCH);
        assertThat(code(client(b, "alice").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    @Test
    void withNoFreePortOnlyTheUsersAllocationOnTheSameServerMakesRoom() {
        start(c -> c.oneAllocationPerUsername(true).portRange(50000, 50000));
        TestClient onA = client(a, "bob");
        assertThat(onA.allocatePort()).isEqualTo(50000);
        // The port is A's to free, on A's thread: B answers 508 and A's allocation stays (documented).
        assertThat(code(client(b, "bob").allocate())).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(wakesOf(a)).isEqualTo(0);
        assertThat(code(onA.refresh(600))).isZero();
        assertThat(a.server.ledgerAllocations()).isOne();

        // On the same server it is as before: the old allocation goes first and its port is reused.
        a.outbox.clear();
        TestClient again = client(a, "bob");
        assertThat(again.allocatePort()).isEqualTo(50000);
        assertThat(a.take(TurnCommand.AllocationDeleted.class)).extracting(TurnHarness.Deletion::of)
                .containsExactly(new TurnHarness.Deletion(TestLinks.udp(onA.address), 50000, DeleteReason.REPLACED));
        assertThat(a.server.ledgerAllocations()).isOne();
    }

    @Test
    void withoutOnePerUsernameNothingIsQueued() {
        start(c -> c.maxAllocationsPerUser(2));
        TestClient onA = client(a, "bob");
        onA.allocatePort();
        client(b, "bob").allocatePort();
        a.outbox.clear();
        a.ledgerWork();
        assertThat(wakesOf(a) + wakesOf(b)).isEqualTo(0);
        assertThat(a.outbox).isEmpty();
        assertThat(code(onA.refresh(600))).isZero();
        assertThat(a.server.ledgerAllocations()).isEqualTo(2);
    }

    @Test
    void aLedgerOnlyFitsServersWithItsRangeAndLimits() {
        start(c -> c);
        AllocationLedger ledger = new AllocationLedger(a.config);
        TurnServerConfig otherRange = TurnHarness.with(c -> c.portRange(50000, 50009)).config;
        TurnServerConfig otherQuota = TurnHarness.with(c -> c.maxAllocationsPerUser(3)).config;
        assertThat(ledger.fits(b.config)).isTrue();
        assertThatThrownBy(() -> new TurnServer(otherRange, new SplittableRandom(1), ledger))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ledger");
        assertThatThrownBy(() -> new TurnServer(otherQuota, new SplittableRandom(1), ledger))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
