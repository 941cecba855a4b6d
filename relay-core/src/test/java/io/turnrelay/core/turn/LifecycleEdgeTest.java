package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Odd orders of events from the driver and odd identities from clients. */
class LifecycleEdgeTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    @Test
    void bindOutcomeAfterReleaseAllClosesTheSocket() {
        alice.allocate();
        alice.refresh(0);
        h.autoBind = false;
        h.fromClient(CLIENT, alice.encode(StunMethod.ALLOCATE, alice.newTransactionId(), true, w -> w.requestedTransport(17)));
        int port = h.take(TurnCommand.BindRelaySocket.class).get(0).port();
        h.server.releaseAll(h.now);
        h.outbox.clear();

        h.server.handleRelaySocketBound(port, AddressFamily.IPV4, h.now);
        h.pump();

        assertThat(h.outbox).containsExactly(new TurnCommand.CloseRelaySocket(port, AddressFamily.IPV4));
        assertThat(h.server.stats().allocations()).isZero();
    }

    @Test
    void unexpectedBindOutcomesAreHarmless() {
        int port = alice.allocatePort();
        h.outbox.clear();
        h.server.handleRelaySocketBound(port, AddressFamily.IPV4, h.now); // duplicate for a live allocation
        h.server.handleRelaySocketBindFailed(port, AddressFamily.IPV4, h.now);
        h.server.handleRelaySocketBindFailed(1, AddressFamily.IPV6, h.now);
        h.pump();
        assertThat(h.outbox).isEmpty();
        assertThat(code(alice.refresh(600))).isZero();
    }

    @Test
    void unknownUserhashIs401AndMissingUsernameIs400() {
        alice.useUserhash = true;
        alice.username = "nobody";
        alice.sha256Integrity = true;
        assertThat(code(alice.allocate())).isEqualTo(401);

        TestClient bare = new TestClient(h, address("198.51.100.9", 1), "alice", "alice-pw");
        bare.allocate(); // learn a nonce
        byte[] noUsername = TestClientRaw.signedWithoutUsername(bare);
        assertThat(code(bare.send(noUsername))).isEqualTo(400);
    }

    @Test
    void ipv6ClientAndIpv6PeerGetDataIndications() {
        InetSocketAddress client6 = address("2001:db8:1::7", 40000);
        InetSocketAddress peer6 = address("2606:4700:4700::1111", 443);
        TestClient v6 = new TestClient(h, client6, "bob", "bob-pw");
        StunMessageAssert.success(v6.allocate(w -> w.requestedAddressFamily(AddressFamily.IPV6)));
        int port = h.take(TurnCommand.AllocationCreated.class).get(0).port();
        assertThat(code(v6.createPermission(peer6))).isZero();
        ByteBuffer datagram = ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 5});
        assertThat(h.fromPeer(peer6, port, datagram, 4, 1)).isEqualTo(RelayAction.HANDLED);
        List<io.turnrelay.core.stun.StunMessage> messages = h.messagesTo(client6);
        assertThat(messages).singleElement().satisfies(m -> assertThat(m.xorPeerAddresses()).containsExactly(peer6));
    }
}
