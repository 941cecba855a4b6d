package io.turnrelay.core.turn;

import io.turnrelay.api.events.DeleteReason;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients on TCP and TLS connections, as the server sees them: a 5-tuple of their own, their allocation gone with
 * their connection, and a bounded time to allocate (RFC 8656 §2, §5; RFC 8489 §6.2.2).
 */
class StreamClientTest {
    static final InetSocketAddress ADDRESS = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);
    static final ClientLink TCP = TestLinks.tcp(ADDRESS);

    final TurnHarness h = TurnHarness.with(b -> b.streamAllocateTimeout(Duration.ofSeconds(30)).maxAllocationsPerUser(1));
    final TestClient overTcp = new TestClient(h, TCP, "alice", "alice-pw");

    @Test
    void theSameAddressOverUdpAndOverTcpIsTwoClientsWithTwoAllocations() {
        TurnHarness twoAllowed = TurnHarness.withDefaults();
        TestClient udp = new TestClient(twoAllowed, TestLinks.udp(ADDRESS), "alice", "alice-pw");
        TestClient tcp = new TestClient(twoAllowed, TestLinks.tcp(ADDRESS), "alice", "alice-pw");
        TestClient tls = new TestClient(twoAllowed, TestLinks.tls(ADDRESS), "alice", "alice-pw");
        int udpPort = udp.allocatePort();
        int tcpPort = tcp.allocatePort();
        int tlsPort = tls.allocatePort();
        assertThat(udpPort).isNotEqualTo(tcpPort).isNotEqualTo(tlsPort);
        TurnStats stats = twoAllowed.server.stats();
        assertThat(stats.allocations()).isEqualTo(3);
        assertThat(stats.allocations(ClientTransport.UDP)).isEqualTo(1);
        assertThat(stats.allocations(ClientTransport.TCP)).isEqualTo(1);
        assertThat(stats.allocations(ClientTransport.TLS)).isEqualTo(1);
        // Each client's response counters are its transport's: a 401 challenge and a success each.
        assertThat(stats.responses(StunMethod.ALLOCATE, 0)).isEqualTo(3);
        assertThat(twoAllowed.server.stats().dropped(DropReason.NO_ALLOCATION, ClientTransport.TCP)).isZero();
        // Refreshing one leaves the others alone.
        assertThat(code(tcp.refresh(0))).isZero();
        assertThat(stats.allocations(ClientTransport.TCP)).isZero();
        assertThat(stats.allocations(ClientTransport.UDP)).isEqualTo(1);
        assertThat(code(udp.refresh(600))).isZero();
        assertThat(code(tls.refresh(600))).isZero();
    }

    @Test
    void aNonceIssuedToAUdpClientIsStaleForTheSameAddressOverTcp() {
        TurnHarness twoAllowed = TurnHarness.withDefaults();
        TestClient udp = new TestClient(twoAllowed, TestLinks.udp(ADDRESS), "alice", "alice-pw");
        udp.allocate();
        TestClient tcp = new TestClient(twoAllowed, TestLinks.tcp(ADDRESS), "alice", "alice-pw");
        tcp.nonce = udp.nonce;
        assertThat(code(tcp.send(tcp.encode(StunMethod.ALLOCATE, tcp.newTransactionId(), true, w -> w.requestedTransport(17)))))
                .isEqualTo(ErrorCode.STALE_NONCE);
    }

    @Test
    void aClosedConnectionLosesItsAllocationAtOnceWithItsPortAndQuota() {
        h.connected(TCP);
        int port = overTcp.allocatePort();
        assertThat(code(overTcp.channelBind(0x4000, PEER))).isZero();
        int freeBefore = h.server.freePorts();
        h.outbox.clear();

        h.closed(TCP);

        assertThat(h.outbox).containsExactly(
                new TurnCommand.PermissionDeleted(TCP, port, PEER.getAddress()),
                new TurnCommand.ChannelUnbound(TCP, 0x4000, PEER, port),
                new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4),
                TurnHarness.deletedIdle(TCP, port, "alice", DeleteReason.CONNECTION_CLOSED, Duration.ZERO, AddressFamily.IPV4));
        assertThat(h.server.stats().allocations()).isZero();
        assertThat(h.server.stats().channels(ClientTransport.TCP)).isZero();
        assertThat(h.server.stats().permissions(ClientTransport.TCP)).isZero();
        assertThat(h.server.freePorts()).isEqualTo(freeBefore + 1);
        assertThat(h.server.pollTimeout()).as("nothing left to expire").isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.heldObjects()).isZero();
        // The user's quota of one is free again: a new connection of the same user allocates.
        ClientLink next = TestLinks.tcp(address("198.51.100.7", 40001));
        h.connected(next);
        assertThat(new TestClient(h, next, "alice", "alice-pw").allocatePort()).isBetween(50000, 50019);
    }

    @Test
    void closingWhileTheAllocateIsBindingAbandonsItAndClosesWhatWasBound() {
        TurnHarness dual = TurnHarness.with(b -> b.streamAllocateTimeout(Duration.ofSeconds(30)));
        TestClient client = new TestClient(dual, TCP, "alice", "alice-pw");
        dual.connected(TCP);
        dual.autoBind = false;
        StunMessage challenge = client.send(client.encode(StunMethod.ALLOCATE, client.newTransactionId(), false, w -> w.requestedTransport(17)));
        client.nonce = challenge.nonce();
        dual.fromClient(TCP, client.encode(StunMethod.ALLOCATE, client.newTransactionId(), true,
                w -> w.requestedTransport(17).additionalAddressFamily(AddressFamily.IPV6)));
        List<TurnCommand.BindRelaySocket> binds = dual.take(TurnCommand.BindRelaySocket.class);
        assertThat(binds).hasSize(2);
        int port = binds.get(0).port();
        dual.server.handleRelaySocketBound(port, AddressFamily.IPV4, dual.now);
        dual.pump();
        dual.outbox.clear();

        dual.closed(TCP);

        assertThat(dual.outbox).containsExactly(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4));
        dual.server.handleRelaySocketBound(port, AddressFamily.IPV6, dual.now); // the late outcome of the other bind
        dual.pump();
        assertThat(dual.outbox).endsWith(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV6));
        assertThat(dual.server.stats().allocations()).isZero();
        assertThat(dual.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(dual.server.heldObjects()).isZero();
        assertThat(dual.server.ledgerAllocations()).isZero();
    }

    @Test
    void aConnectionThatDoesNotAllocateWithinTheTimeoutIsToBeClosed() {
        long connectedAt = h.now;
        h.connected(TCP);
        assertThat(h.server.pollTimeout()).isEqualTo(connectedAt + 30 * SECOND);
        h.now = connectedAt + 30 * SECOND - 1;
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).isEmpty();
        h.now = connectedAt + 30 * SECOND;
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).containsExactly(new TurnCommand.CloseClient(TCP));
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.heldObjects()).isZero();
        // Its close, reported later by the transport, finds nothing to delete.
        h.closed(TCP);
        assertThat(h.outbox).isEmpty();
    }

    @Test
    void aConnectionClosingAfterItsDeadlineBeforeTheTimerRanIsNotAskedToCloseToo() {
        h.connected(TCP);
        h.now += 31 * SECOND; // the loop was late: the allocate-by deadline is overdue, the timer has not run
        h.closed(TCP);
        assertThat(h.outbox).isEmpty();
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.heldObjects()).isZero();
    }

    @Test
    void aRequestAfterTheDeadlineBeforeTheTimerRanIsNotAnsweredOnTheConnectionToClose() {
        h.connected(TCP);
        h.now += 31 * SECOND; // the loop was late: the allocate-by deadline is overdue, the timer has not run
        h.fromClient(TCP, overTcp.encode(StunMethod.ALLOCATE, overTcp.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(h.outbox).containsExactly(new TurnCommand.CloseClient(TCP));
        assertThat(h.server.stats().dropped(DropReason.NO_ALLOCATION, ClientTransport.TCP)).isEqualTo(1);
        h.closed(TCP);
        assertThat(h.outbox).hasSize(1);
        assertThat(h.server.heldObjects()).isZero();
        // Just before the deadline the same request is answered (a 401 challenge).
        ClientLink next = TestLinks.tcp(address("198.51.100.7", 40001));
        h.connected(next);
        h.now += 30 * SECOND - 1;
        TestClient nextClient = new TestClient(h, next, "alice", "alice-pw");
        h.fromClient(next, nextClient.encode(StunMethod.ALLOCATE, nextClient.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(h.take(TurnCommand.SendToClient.class)).singleElement()
                .satisfies(send -> assertThat(send.client()).isEqualTo(next));
    }

    @Test
    void anAllocationLiftsTheTimeoutAndItsEndStartsItAgain() {
        long connectedAt = h.now;
        h.connected(TCP);
        h.now += 5 * SECOND;
        overTcp.allocate();
        h.now = connectedAt + 35 * SECOND;
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).isEmpty();

        long deletedAt = connectedAt + 40 * SECOND;
        h.now = deletedAt;
        assertThat(code(overTcp.refresh(0))).isZero();
        h.now = deletedAt + 30 * SECOND - 1;
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).isEmpty();
        h.now = deletedAt + 30 * SECOND;
        h.timeout();
        assertThat(h.take(TurnCommand.CloseClient.class)).containsExactly(new TurnCommand.CloseClient(TCP));
    }

    @Test
    void anAllocateFailingAfterTheDeadlinePassedWhileItWasBindingStartsTheTimeoutAgain() {
        TurnHarness twoPorts = TurnHarness.with(b -> b.streamAllocateTimeout(Duration.ofSeconds(30)).portRange(50000, 50001));
        TestClient client = new TestClient(twoPorts, TCP, "alice", "alice-pw");
        twoPorts.connected(TCP);
        client.nonce = client.send(client.encode(StunMethod.ALLOCATE, client.newTransactionId(), false, w -> w.requestedTransport(17))).nonce();
        twoPorts.autoBind = false;
        twoPorts.fromClient(TCP, client.encode(StunMethod.ALLOCATE, client.newTransactionId(), true, w -> w.requestedTransport(17)));
        twoPorts.now += 31 * SECOND; // the deadline passes while the relay socket is being bound: no close yet
        twoPorts.timeout();
        assertThat(twoPorts.take(TurnCommand.CloseClient.class)).isEmpty();
        List<TurnCommand.BindRelaySocket> binds;
        while (!(binds = twoPorts.take(TurnCommand.BindRelaySocket.class)).isEmpty()) {
            for (TurnCommand.BindRelaySocket bind : binds) {
                twoPorts.server.handleRelaySocketBindFailed(bind.port(), bind.family(), twoPorts.now);
            }
            twoPorts.pump();
        }
        assertThat(twoPorts.messagesTo(TCP)).singleElement()
                .satisfies(response -> assertThat(code(response)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY));

        // Left without an allocation, it has the allocate timeout again, as after an allocation's end.
        long failedAt = twoPorts.now;
        assertThat(twoPorts.server.pollTimeout()).isEqualTo(failedAt + 30 * SECOND);
        twoPorts.now = failedAt + 30 * SECOND;
        twoPorts.timeout();
        assertThat(twoPorts.take(TurnCommand.CloseClient.class)).containsExactly(new TurnCommand.CloseClient(TCP));
        assertThat(twoPorts.server.heldObjects()).isZero();
    }

    @Test
    void aUdpClientHasNoConnectionToTimeOut() {
        ClientLink udp = TestLinks.udp(ADDRESS);
        h.connected(udp); // ignored: only streams connect
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        h.closed(udp);
        assertThat(h.outbox).isEmpty();
    }

    @Test
    void dataIndicationsToAStreamClientAreRelayedDataNotResponses() {
        h.connected(TCP);
        int port = overTcp.allocatePort();
        assertThat(code(overTcp.createPermission(PEER))).isZero();
        h.outbox.clear();
        java.nio.ByteBuffer payload = java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3});
        assertThat(h.fromPeer(PEER, port, payload, 0, 3)).isEqualTo(RelayAction.HANDLED);
        assertThat(h.take(TurnCommand.RelayToClient.class)).singleElement()
                .satisfies(relay -> assertThat(relay.client()).isEqualTo(TCP));
        assertThat(h.take(TurnCommand.SendToClient.class)).isEmpty();
        assertThat(h.server.stats().packetsPeerToClient(ClientTransport.TCP)).isEqualTo(1);
    }
}
