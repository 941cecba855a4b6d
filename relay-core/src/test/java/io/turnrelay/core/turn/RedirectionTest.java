package io.turnrelay.core.turn;

import static io.turnrelay.core.turn.TestClient.code;
import static io.turnrelay.core.turn.TurnHarness.address;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.AlternateServer;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import io.turnrelay.core.stun.AttributeType;
import io.turnrelay.core.stun.ErrorCode;
import io.turnrelay.core.stun.StunMessage;
import io.turnrelay.core.stun.StunMethod;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * 300 Try Alternate (RFC 8489 §10): an authenticated Allocate the server cannot take, because it drains or has no
 * allocation or relay port left, names the next alternate of the client's family (and, over TLS, its domain).
 */
class RedirectionTest {
    static final AlternateServer FIRST = AlternateServer.parse("192.0.2.1:3478");
    static final AlternateServer SECOND = AlternateServer.parse("192.0.2.2:3479");
    static final AlternateServer IPV6 = AlternateServer.parse("[2001:db8::1]:3478");
    static final AlternateServer TLS_FIRST = AlternateServer.parse("turn1.example.net@192.0.2.11:5349");
    static final AlternateServer TLS_SECOND = AlternateServer.parse("192.0.2.12:5349");
    static final InetSocketAddress ALICE = address("198.51.100.7", 40000);

    private int nextClientPort = 41000;

    @Test
    void aDrainingServerSendsNewClientsToItsAlternatesInTurn() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST, SECOND, IPV6)));
        drain(h);
        List<InetSocketAddress> named = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TestClient client = client(h, TestLinks.udp(address("198.51.100.9", nextClientPort++)), "bob", "bob-pw");
            StunMessage refused = client.allocate();
            assertThat(code(refused)).isEqualTo(ErrorCode.TRY_ALTERNATE);
            assertThat(refused.errorCode().reason()).isEqualTo("Try Alternate");
            assertThat(client.verifies(refused)).as("signed with the client's key").isTrue();
            assertThat(refused.has(AttributeType.ALTERNATE_DOMAIN)).isFalse();
            named.add(refused.alternateServer());
        }
        assertThat(named).containsExactly(FIRST.address(), SECOND.address(), FIRST.address(), SECOND.address(), FIRST.address());
        assertThat(h.server.stats().responses(StunMethod.ALLOCATE, ErrorCode.TRY_ALTERNATE)).isEqualTo(5);
        assertThat(h.server.stats().allocations()).isZero();
    }

    @Test
    void anIpv6ClientIsSentToAnIpv6Alternate() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST, IPV6, SECOND)));
        drain(h);
        for (int i = 0; i < 2; i++) {
            TestClient client = client(h, TestLinks.udp(address("2001:db8:1::7", nextClientPort++)), "bob", "bob-pw");
            StunMessage refused = client.allocate();
            assertThat(code(refused)).isEqualTo(ErrorCode.TRY_ALTERNATE);
            assertThat(refused.alternateServer()).isEqualTo(IPV6.address());
        }
    }

    @Test
    void withoutAnAlternateOfTheClientsFamilyTheAnswerIs508() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST)));
        drain(h);
        StunMessage refused = client(h, TestLinks.udp(address("2001:db8:1::7", 41000)), "bob", "bob-pw").allocate();
        assertThat(code(refused)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
        assertThat(refused.has(AttributeType.ALTERNATE_SERVER)).isFalse();
    }

    @Test
    void tlsClientsAreSentToTheTlsAlternatesWithTheirDomainAndTcpClientsToThePlainOnes() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST)).tlsAlternateServers(List.of(TLS_FIRST, TLS_SECOND)));
        drain(h);
        StunMessage overTls = streamClient(h, TestLinks.tls(address("198.51.100.9", 41000))).allocate();
        assertThat(code(overTls)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        assertThat(overTls.alternateServer()).isEqualTo(TLS_FIRST.address());
        assertThat(overTls.alternateDomain()).isEqualTo("turn1.example.net");

        StunMessage secondOverTls = streamClient(h, TestLinks.tls(address("198.51.100.9", 41001))).allocate();
        assertThat(secondOverTls.alternateServer()).isEqualTo(TLS_SECOND.address());
        assertThat(secondOverTls.has(AttributeType.ALTERNATE_DOMAIN)).as("this alternate names no domain").isFalse();

        StunMessage overTcp = streamClient(h, TestLinks.tcp(address("198.51.100.9", 41002))).allocate();
        assertThat(code(overTcp)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        assertThat(overTcp.alternateServer()).isEqualTo(FIRST.address());
    }

    @Test
    void aDomainGoesOnlyToTlsClientsAndTlsClientsWithoutTlsAlternatesGet508() {
        AlternateServer named = AlternateServer.parse("turn1.example.net@192.0.2.1:3478");
        TurnHarness h = harness(b -> b.alternateServers(List.of(named)));
        drain(h);
        StunMessage overUdp = client(h, TestLinks.udp(address("198.51.100.9", 41000)), "bob", "bob-pw").allocate();
        assertThat(overUdp.alternateServer()).isEqualTo(named.address());
        assertThat(overUdp.has(AttributeType.ALTERNATE_DOMAIN)).isFalse();

        StunMessage overTls = streamClient(h, TestLinks.tls(address("198.51.100.9", 41001))).allocate();
        assertThat(code(overTls)).isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    @Test
    void anUnauthenticatedAllocateIsChallengedNotRedirected() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST)));
        drain(h);
        TestClient stranger = client(h, TestLinks.udp(ALICE), "alice", "alice-pw");
        StunMessage challenge = stranger.send(stranger.encode(StunMethod.ALLOCATE, stranger.newTransactionId(), false, w -> w.requestedTransport(17)));
        assertThat(code(challenge)).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(challenge.has(AttributeType.ALTERNATE_SERVER)).isFalse();

        TestClient wrongPassword = client(h, TestLinks.udp(address("198.51.100.9", 41000)), "alice", "not-the-password");
        StunMessage refused = wrongPassword.allocate();
        assertThat(code(refused)).isEqualTo(ErrorCode.UNAUTHENTICATED);
        assertThat(refused.has(AttributeType.ALTERNATE_SERVER)).isFalse();
        assertThat(h.server.stats().responses(StunMethod.ALLOCATE, ErrorCode.TRY_ALTERNATE)).isZero();
    }

    @Test
    void aFullAllocationQuotaRedirectsButAUsersOwnQuotaDoesNot() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST)).maxAllocations(2).maxAllocationsPerUser(1));
        TestClient alice = client(h, TestLinks.udp(ALICE), "alice", "alice-pw");
        alice.allocatePort();
        StunMessage overUserQuota = client(h, TestLinks.udp(address("198.51.100.7", 40001)), "alice", "alice-pw").allocate();
        assertThat(code(overUserQuota)).as("the user's own limit: another relay would not change it").isEqualTo(ErrorCode.ALLOCATION_QUOTA_REACHED);

        client(h, TestLinks.udp(address("198.51.100.8", 40000)), "bob", "bob-pw").allocatePort();
        StunMessage overTotal = client(h, TestLinks.udp(address("198.51.100.9", 40000)), "carol", "carol-pw").allocate();
        assertThat(code(overTotal)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        assertThat(overTotal.alternateServer()).isEqualTo(FIRST.address());
    }

    @Test
    void aFullPortRangeRedirects() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST)).portRange(50000, 50000));
        client(h, TestLinks.udp(ALICE), "alice", "alice-pw").allocatePort();
        StunMessage refused = client(h, TestLinks.udp(address("198.51.100.8", 40000)), "bob", "bob-pw").allocate();
        assertThat(code(refused)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        assertThat(refused.alternateServer()).isEqualTo(FIRST.address());
    }

    @Test
    void relayPortsThatCannotBeBoundRedirectLikeAFullRange() {
        TurnHarness h = harness(b -> b.alternateServers(List.of(FIRST, SECOND)).portRange(50000, 50001));
        h.failingPorts.addAll(List.of(50000, 50001));
        TestClient alice = client(h, TestLinks.udp(ALICE), "alice", "alice-pw");
        StunMessage refused = alice.allocate();
        assertThat(code(refused)).isEqualTo(ErrorCode.TRY_ALTERNATE);
        assertThat(alice.verifies(refused)).isTrue();
        assertThat(refused.alternateServer()).isEqualTo(FIRST.address());
        assertThat(h.server.freePorts()).isEqualTo(2);
    }

    @Test
    void withoutAlternatesAFullRangeStillGets508() {
        TurnHarness h = harness(b -> b.portRange(50000, 50000));
        client(h, TestLinks.udp(ALICE), "alice", "alice-pw").allocatePort();
        assertThat(code(client(h, TestLinks.udp(address("198.51.100.8", 40000)), "bob", "bob-pw").allocate()))
                .isEqualTo(ErrorCode.INSUFFICIENT_CAPACITY);
    }

    private static TurnHarness harness(UnaryOperator<TurnServerConfig.Builder> customise) {
        return TurnHarness.with(customise);
    }

    private static void drain(TurnHarness h) {
        h.server.handleDrain(h.now, Long.MAX_VALUE);
        h.pump();
    }

    private static TestClient client(TurnHarness h, ClientLink link, String username, String password) {
        return new TestClient(h, link, username, password);
    }

    private static TestClient streamClient(TurnHarness h, ClientLink link) {
        h.connected(link);
        return new TestClient(h, link, "bob", "bob-pw");
    }
}
