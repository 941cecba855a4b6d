package io.turnrelay.core.turn;

import java.time.Duration;
import io.turnrelay.api.events.DeleteReason;
import io.turnrelay.core.spi.TestLinks;
import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.SECOND;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.stun.AddressFamily;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Deleting an allocation takes everything with it, and the server ends up holding nothing. */
class ExpiryCascadeTest {
    static final InetSocketAddress CLIENT = address("198.51.100.7", 40000);
    static final InetSocketAddress PEER_A = address("93.184.216.34", 7000);
    static final InetSocketAddress PEER_B = address("8.8.8.8", 53);
    static final InetSocketAddress PEER_V6 = address("2606:4700:4700::1111", 443);

    @Test
    void expiryOfADualAllocationCascades() {
        TurnHarness h = TurnHarness.with(b -> b.portRange(50000, 50000));
        TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
        assertThat(code(alice.allocate(w -> w.additionalAddressFamily(AddressFamily.IPV6).lifetime(900)))).isZero();
        alice.channelBind(0x4000, PEER_A);
        alice.channelBind(0x4001, PEER_V6);
        h.advance(300 * SECOND);
        alice.channelBind(0x4002, PEER_B);
        alice.createPermission(address("1.1.1.1", 1));
        h.advance(300 * SECOND);
        h.timeout(); // 0x4000 and 0x4001 expire (bound at 0 s), 0x4002 is still bound
        h.outbox.clear();
        assertThat(h.server.stats().channels()).isEqualTo(1);

        h.advance(300 * SECOND); // 900 s: the allocation's deadline
        h.timeout();

        assertThat(h.outbox).containsExactly(
                new TurnCommand.ChannelUnbound(TestLinks.udp(CLIENT), 0x4002, PEER_B, 50000),
                new TurnCommand.CloseRelaySocket(50000, AddressFamily.IPV4),
                new TurnCommand.CloseRelaySocket(50000, AddressFamily.IPV6),
                TurnHarness.deletedIdle(TestLinks.udp(CLIENT), 50000, "alice", DeleteReason.EXPIRED, Duration.ofSeconds(900), AddressFamily.IPV4,
                        AddressFamily.IPV6));
        TurnStats stats = h.server.stats();
        assertThat(stats.allocations()).isZero();
        assertThat(stats.permissions()).isZero();
        assertThat(stats.channels()).isZero();
        assertThat(h.server.pollTimeout()).isEqualTo(Long.MAX_VALUE);
        assertThat(h.server.scheduledDeadlines()).isZero();
        assertThat(h.server.heldObjects()).isZero();
        assertThat(h.server.freePorts()).isEqualTo(1);

        // The only port is free again.
        TestClient bob = new TestClient(h, address("198.51.100.8", 1), "bob", "bob-pw");
        assertThat(bob.allocatePort()).isEqualTo(50000);
    }

    @Test
    void afterEveryLifetimeThereIsNoStateLeft() {
        TurnHarness h = TurnHarness.withDefaults();
        for (int i = 0; i < 6; i++) {
            TestClient c = new TestClient(h, address("198.51.100.7", 1000 + i), i % 2 == 0 ? "alice" : "bob",
                    i % 2 == 0 ? "alice-pw" : "bob-pw");
            boolean even = i % 3 == 0;
            long lifetime = 60L * (i + 1);
            c.allocate(w -> w.evenPort(even).lifetime(lifetime));
            c.createPermission(PEER_A, PEER_B);
            c.channelBind(0x4000 + i, PEER_A);
        }
        assertThat(h.server.heldObjects()).isPositive();
        while (h.server.pollTimeout() != Long.MAX_VALUE) {
            h.now = h.server.pollTimeout();
            h.timeout();
        }
        assertThat(h.server.heldObjects()).isZero();
        assertThat(h.server.freePorts()).isEqualTo(20);
        TurnStats stats = h.server.stats();
        assertThat(stats.allocations() + stats.permissions() + stats.channels()).isZero();
    }

    @Test
    void pollTimeoutFollowsTheEarliestLiveDeadline() {
        TurnHarness h = TurnHarness.withDefaults();
        TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
        alice.allocatePort();
        long start = h.now;
        assertThat(h.server.pollTimeout()).isEqualTo(start + 600 * SECOND);
        alice.createPermission(PEER_A);
        assertThat(h.server.pollTimeout()).isEqualTo(start + 300 * SECOND);
        h.advance(100 * SECOND);
        alice.createPermission(PEER_A); // the permission now ends at 400 s, still before the allocation
        assertThat(h.server.pollTimeout()).isEqualTo(start + 400 * SECOND);
        alice.refresh(60);
        assertThat(h.server.pollTimeout()).isEqualTo(h.now + 60 * SECOND);
    }

    @Test
    void manyRefreshesDoNotGrowTheDeadlineQueue() {
        TurnHarness h = TurnHarness.withDefaults();
        TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
        alice.allocatePort();
        for (int i = 0; i < 200; i++) {
            h.advance(SECOND);
            alice.refresh(600);
            alice.createPermission(PEER_A);
            alice.channelBind(0x4000, PEER_A);
        }
        assertThat(h.server.scheduledDeadlines()).isLessThanOrEqualTo(3);
    }

    @Test
    void defaultPolicyDeniesTheRelaysOwnPublicAddress() {
        TurnServerConfig config = TurnServerConfig.builder()
                .realm(TurnHarness.REALM)
                .portRange(50000, 50009)
                .publicIpv4(TurnHarness.ip("93.184.216.100"))
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "alice-pw")))
                .unixClock(() -> 1_700_000_000L)
                .build();
        TurnHarness h = new TurnHarness(config, new java.util.concurrent.atomic.AtomicLong());
        TestClient alice = new TestClient(h, CLIENT, "alice", "alice-pw");
        alice.allocatePort();
        assertThat(code(alice.createPermission(address("93.184.216.100", 3478)))).isEqualTo(403);
        assertThat(code(alice.createPermission(address("93.184.216.101", 3478)))).isZero();
    }
}
