package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.PUBLIC_IPV4;
import static io.turnrelay.core.turn.TurnHarness.PUBLIC_IPV6;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.events.AllocationUsage;
import io.turnrelay.api.events.AuthenticationFailure;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AddressFamily;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The informational commands the relay's events come from: an allocation's life in order with why it ended and what
 * it relayed, permissions and channels once each way, and failed authentications without password material.
 */
class AllocationEventsTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final ClientLink LINK = TestLinks.udp(CLIENT);
    static final InetSocketAddress PEER = address("93.184.216.34", 7000);

    final TurnHarness h = TurnHarness.withDefaults();
    final TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");

    /** The informational commands in the outbox, in order (taken out of it). */
    private List<TurnCommand> events() {
        List<TurnCommand> events = h.outbox.stream().filter(AllocationEventsTest::informational).toList();
        h.outbox.removeAll(events);
        return events;
    }

    private static boolean informational(TurnCommand command) {
        return command instanceof TurnCommand.AllocationCreated || command instanceof TurnCommand.AllocationRefreshed
                || command instanceof TurnCommand.AllocationDeleted || command instanceof TurnCommand.PermissionCreated
                || command instanceof TurnCommand.PermissionDeleted || command instanceof TurnCommand.ChannelBound
                || command instanceof TurnCommand.ChannelUnbound || command instanceof TurnCommand.AuthenticationFailed;
    }

    @Test
    void anAllocationIsCreatedRefreshedAndDeletedInOrderWithItsExactUsage() {
        long created = h.now;
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        h.advance(10 * SECOND);
        // Three ChannelData frames of 3, 5 and 7 bytes to the peer, two datagrams of 11 and 13 bytes back.
        for (int size : new int[] {3, 5, 7}) {
            byte[] frame = new byte[4 + size];
            ByteBuffer.wrap(frame).putShort((short) 0x4000).putShort((short) size);
            assertThat(h.fromClient(CLIENT, frame)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        }
        for (int size : new int[] {11, 13}) {
            assertThat(h.fromPeer(PEER, port, ByteBuffer.allocate(size), 0, size)).isEqualTo(RelayAction.FORWARD_TO_CLIENT);
        }
        // A Send indication (17 bytes) out, and a Data indication (19 bytes) back from another port of a permitted peer.
        byte[] send = alice.encodeAs(StunClass.INDICATION, StunMethod.SEND, alice.newTransactionId(), false,
                w -> w.xorPeerAddress(PEER).data(new byte[17], 0, 17));
        assertThat(h.fromClient(CLIENT, send)).isEqualTo(RelayAction.FORWARD_TO_PEER);
        assertThat(h.fromPeer(address("93.184.216.34", 7001), port, ByteBuffer.allocate(19), 0, 19)).isEqualTo(RelayAction.HANDLED);
        assertThat(h.messagesTo(CLIENT)).singleElement().satisfies(data -> assertThat(data.method()).isEqualTo(StunMethod.DATA));
        // Dropped traffic is no usage: a frame on an unbound channel, a datagram from a peer without a permission.
        assertThat(h.fromClient(CLIENT, new byte[] {0x40, 0x01, 0, 1, 9, 0, 0, 0})).isEqualTo(RelayAction.DROP);
        assertThat(h.fromPeer(address("8.8.8.8", 1), port, ByteBuffer.allocate(23), 0, 23)).isEqualTo(RelayAction.DROP);
        assertThat(code(alice.refresh(1200))).isZero();
        h.advance(5 * SECOND);
        assertThat(code(alice.refresh(0))).isZero();

        List<InetSocketAddress> relayed = List.of(new InetSocketAddress(PUBLIC_IPV4, port));
        assertThat(events()).containsExactly(
                new TurnCommand.AllocationCreated(LINK, "alice", port, created + 600 * SECOND, relayed, 600),
                new TurnCommand.PermissionCreated(LINK, port, PEER.getAddress()),
                new TurnCommand.ChannelBound(LINK, 0x4000, PEER, port, false),
                new TurnCommand.AllocationRefreshed(LINK, "alice", port, 1200),
                new TurnCommand.PermissionDeleted(LINK, port, PEER.getAddress()),
                new TurnCommand.ChannelUnbound(LINK, 0x4000, PEER, port),
                new TurnCommand.AllocationDeleted(LINK, port, "alice", relayed, DeleteReason.CLIENT_DELETE,
                        new AllocationUsage(4, 3 + 5 + 7 + 17, 3, 11 + 13 + 19, Duration.ofSeconds(15))));
    }

    @Test
    void anAllocationLeftAloneExpiresAtItsLifetimeWithTheDurationItLived() {
        int port = alice.allocate(w -> w.lifetime(120).additionalAddressFamily(AddressFamily.IPV6)).xorRelayedAddresses().get(0).getPort();
        events();
        h.advance(120 * SECOND - 1);
        h.timeout();
        assertThat(events()).isEmpty();

        h.advance(1);
        h.timeout();

        assertThat(events()).containsExactly(TurnHarness.deletedIdle(LINK, port, "alice", DeleteReason.EXPIRED, Duration.ofSeconds(120),
                AddressFamily.IPV4, AddressFamily.IPV6));
    }

    @Test
    void aPermissionIsCreatedOnceHoweverOftenItIsRefreshedAndDeletedWhenItExpires() {
        int port = alice.allocatePort();
        assertThat(code(alice.createPermission(PEER))).isZero();
        h.advance(100 * SECOND);
        assertThat(code(alice.createPermission(address("93.184.216.34", 1)))).isZero(); // the same IP: a refresh
        h.advance(300 * SECOND - 1);
        h.timeout();
        assertThat(events()).filteredOn(e -> !(e instanceof TurnCommand.AllocationCreated))
                .containsExactly(new TurnCommand.PermissionCreated(LINK, port, PEER.getAddress()));

        h.advance(1);
        h.timeout();

        assertThat(events()).containsExactly(new TurnCommand.PermissionDeleted(LINK, port, PEER.getAddress()));
    }

    @Test
    void aChannelRefreshedIsNoNewChannelAndOneReboundAfterItsExpiryIs() {
        int port = alice.allocatePort();
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero();
        h.advance(200 * SECOND);
        assertThat(code(alice.channelBind(0x4000, PEER))).isZero(); // refreshed: relays until 800 s
        assertThat(events()).filteredOn(e -> e instanceof TurnCommand.ChannelBound).hasSize(1);

        h.advance(600 * SECOND);
        h.timeout();
        assertThat(events()).filteredOn(e -> e instanceof TurnCommand.ChannelUnbound)
                .containsExactly(new TurnCommand.ChannelUnbound(LINK, 0x4000, PEER, port));
    }

    @Test
    void aStreamConnectionThatClosesDeletesItsAllocationAsConnectionClosed() {
        ClientLink tcp = TestLinks.tcp(CLIENT);
        h.connected(tcp);
        int port = new TestClient(h, tcp, "alice", "alice-pw").allocatePort();
        events();
        h.advance(3 * SECOND);

        h.closed(tcp);

        assertThat(events()).containsExactly(TurnHarness.deletedIdle(tcp, port, "alice", DeleteReason.CONNECTION_CLOSED,
                Duration.ofSeconds(3), AddressFamily.IPV4));
    }

    @Test
    void aNewerAllocationOfTheUserReplacesTheOlderOne() {
        TurnHarness single = TurnHarness.with(b -> b.oneAllocationPerUsername(true));
        TestClient before = new TestClient(single, CLIENT, "bob", "bob-pw");
        int oldPort = before.allocatePort();
        single.advance(SECOND);
        single.outbox.clear();

        TestClient after = new TestClient(single, address("198.51.100.7", 40001), "bob", "bob-pw");
        int newPort = after.allocatePort();

        assertThat(single.take(TurnCommand.AllocationDeleted.class))
                .containsExactly(TurnHarness.deletedIdle(LINK, oldPort, "bob", DeleteReason.REPLACED, Duration.ofSeconds(1), AddressFamily.IPV4));
        assertThat(single.take(TurnCommand.AllocationCreated.class)).extracting(TurnCommand.AllocationCreated::port).containsExactly(newPort);
    }

    @Test
    void releasingEverythingDeletesAsShutDownOrWithTheReasonGiven() {
        int port = alice.allocatePort();
        TestClient bob = new TestClient(h, address("198.51.100.8", 1), "bob", "bob-pw");
        int bobsPort = bob.allocatePort();
        events();

        h.server.releaseAll(h.now);
        h.pump();

        assertThat(events()).containsExactlyInAnyOrder(
                TurnHarness.deletedIdle(LINK, port, "alice", DeleteReason.SHUT_DOWN, Duration.ZERO, AddressFamily.IPV4),
                TurnHarness.deletedIdle(TestLinks.udp(bob.address), bobsPort, "bob", DeleteReason.SHUT_DOWN, Duration.ZERO, AddressFamily.IPV4));

        TurnHarness draining = TurnHarness.withDefaults();
        int drainedPort = new TestClient(draining, CLIENT, "alice", "alice-pw").allocatePort();
        draining.outbox.clear();
        draining.server.releaseAll(draining.now, DeleteReason.DRAINED);
        draining.pump();
        assertThat(draining.take(TurnCommand.AllocationDeleted.class))
                .containsExactly(TurnHarness.deletedIdle(LINK, drainedPort, "alice", DeleteReason.DRAINED, Duration.ZERO, AddressFamily.IPV4));
    }

    @Test
    void aDualAllocationThatLosesOneFamilyStillReportsTheAddressItHadLeft() {
        int port = alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6)).xorRelayedAddresses().get(0).getPort();
        assertThat(code(alice.request(StunMethod.REFRESH, w -> w.requestedAddressFamily(AddressFamily.IPV4).lifetime(0)))).isZero();
        events();
        h.advance(SECOND);

        assertThat(code(alice.refresh(0))).isZero();

        assertThat(events()).singleElement().isInstanceOfSatisfying(TurnCommand.AllocationDeleted.class,
                deleted -> assertThat(deleted.relayedAddresses()).containsExactly(new InetSocketAddress(PUBLIC_IPV6, port)));
    }

    @Test
    void wrongPasswordUnknownUserAndWrongRealmAreFailuresWithoutPasswordMaterial() {
        alice.allocate(); // learns a nonce
        events();
        TestClient wrongPassword = new TestClient(h, address("198.51.100.9", 1), "alice", "not-the-password");
        wrongPassword.nonce = alice.nonce;
        TestClient unknown = new TestClient(h, address("198.51.100.9", 2), "mallory", "guess");
        unknown.nonce = alice.nonce;
        TestClient otherRealm = new TestClient(h, address("198.51.100.9", 3), "alice", "alice-pw");
        otherRealm.nonce = alice.nonce;
        otherRealm.realm = "elsewhere.example";

        for (TestClient client : List.of(wrongPassword, unknown, otherRealm)) {
            assertThat(code(client.send(client.encode(StunMethod.ALLOCATE, client.newTransactionId(), true, w -> w.requestedTransport(17)))))
                    .isEqualTo(ErrorCode.UNAUTHENTICATED);
        }

        List<TurnCommand> failures = events();
        assertThat(failures).containsExactly(
                new TurnCommand.AuthenticationFailed(wrongPassword.link, "alice", AuthenticationFailure.WRONG_PASSWORD),
                new TurnCommand.AuthenticationFailed(unknown.link, "mallory", AuthenticationFailure.NO_CREDENTIAL),
                new TurnCommand.AuthenticationFailed(otherRealm.link, "alice", AuthenticationFailure.WRONG_REALM));
        assertThat(failures.toString()).doesNotContain("not-the-password", "guess", "alice-pw");
    }

    @Test
    void theFirstUnsignedRequestAndAStaleNonceAreNoFailuresButAnotherUsersRequestIs() {
        TestClient fresh = new TestClient(h, CLIENT, "alice", "alice-pw");
        StunMessage challenge = fresh.send(fresh.encode(StunMethod.ALLOCATE, fresh.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(code(challenge)).isEqualTo(ErrorCode.UNAUTHENTICATED);
        fresh.nonce = challenge.nonce();
        h.advance(h.config.nonceValidity().toNanos() + SECOND);
        assertThat(code(fresh.send(fresh.encode(StunMethod.ALLOCATE, fresh.newTransactionId(), true, w -> w.requestedTransport(17)))))
                .isEqualTo(ErrorCode.STALE_NONCE);
        assertThat(events()).isEmpty();

        alice.allocatePort();
        TestClient bob = new TestClient(h, CLIENT, "bob", "bob-pw");
        bob.nonce = alice.nonce;
        assertThat(code(bob.refresh(600))).isEqualTo(ErrorCode.WRONG_CREDENTIALS);
        assertThat(events()).filteredOn(e -> e instanceof TurnCommand.AuthenticationFailed)
                .containsExactly(new TurnCommand.AuthenticationFailed(LINK, "bob", AuthenticationFailure.ALLOCATION_OF_ANOTHER_USER));
    }
}
