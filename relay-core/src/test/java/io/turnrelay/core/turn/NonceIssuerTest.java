package io.turnrelay.core.turn;

import io.turnrelay.api.ClientTransport;
import io.turnrelay.core.spi.ClientLink;
import io.turnrelay.core.spi.TestLinks;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NonceIssuerTest {
    static final long VALIDITY = 600_000_000_000L;
    final ClientLink client = TestLinks.udp(TurnHarness.address("198.51.100.7", 40000));
    final NonceIssuer issuer = new NonceIssuer(new SplittableRandom(3), VALIDITY);

    @Test
    void nonceStartsWithTheCookieAndAdvertisesPasswordAlgorithms() {
        String nonce = issuer.issue(client, 0);
        assertThat(nonce).startsWith("obMatJos2");
        assertThat(NonceIssuer.advertisesPasswordAlgorithms(nonce)).isTrue();
        assertThat(NonceIssuer.advertisesPasswordAlgorithms("obMatJos2AAAC")).isFalse();
        assertThat(NonceIssuer.advertisesPasswordAlgorithms("plain")).isFalse();
        assertThat(nonce.length()).isLessThan(128); // NONCE must stay under 128 characters
    }

    @Test
    void validUntilJustBeforeItsValidityEnds() {
        long issued = -5_000; // monotonic time may be negative
        String nonce = issuer.issue(client, issued);
        assertThat(issuer.check(nonce, client, issued)).isEqualTo(NonceIssuer.Verdict.VALID);
        assertThat(issuer.check(nonce, client, issued + VALIDITY - 1)).isEqualTo(NonceIssuer.Verdict.VALID);
        assertThat(issuer.check(nonce, client, issued + VALIDITY)).isEqualTo(NonceIssuer.Verdict.STALE);
        assertThat(issuer.check(nonce, client, issued - 1)).isEqualTo(NonceIssuer.Verdict.STALE);
    }

    @Test
    void boundToTheClientAndToThisServersSecret() {
        String nonce = issuer.issue(client, 0);
        assertThat(issuer.check(nonce, TestLinks.udp(TurnHarness.address("198.51.100.7", 40001)), 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
        assertThat(issuer.check(nonce, TestLinks.udp(TurnHarness.address("198.51.100.8", 40000)), 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
        // The same address over another transport, or on another listener, is another client (RFC 8656 §2).
        assertThat(issuer.check(nonce, TestLinks.tcp(client.remote()), 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
        assertThat(issuer.check(nonce, new ClientLink(ClientTransport.UDP, TurnHarness.address("198.18.0.2", 3478), client.remote()), 0))
                .isEqualTo(NonceIssuer.Verdict.FOREIGN);
        NonceIssuer other = new NonceIssuer(new SplittableRandom(4), VALIDITY);
        assertThat(other.check(nonce, client, 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
        char[] tampered = nonce.toCharArray();
        tampered[tampered.length - 3] = tampered[tampered.length - 3] == 'A' ? 'B' : 'A';
        assertThat(issuer.check(new String(tampered), client, 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
        assertThat(issuer.check("obMatJos2wAAA!!!", client, 0)).isEqualTo(NonceIssuer.Verdict.FOREIGN);
    }
}
