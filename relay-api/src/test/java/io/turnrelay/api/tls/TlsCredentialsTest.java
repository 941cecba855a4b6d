package io.turnrelay.api.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.turnrelay.api.tls.TestCertificates.KeyType;
import io.turnrelay.api.tls.TestCertificates.Leaf;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TlsCredentialsTest {
    private static final String TO_PKCS8 = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem";

    @TempDir
    static Path certificates;

    private static TestCertificates ca;
    private static Leaf ec;
    private static Leaf ecNext;
    private static Leaf rsa;
    private static Leaf ed25519;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() {
        ca = TestCertificates.newCa(certificates.resolve("ca"));
        // Each leaf is three keytool runs; side by side they take half the time.
        CompletableFuture<Leaf> rsaLeaf = CompletableFuture.supplyAsync(() -> ca.issue(certificates.resolve("rsa"), KeyType.RSA_2048));
        CompletableFuture<Leaf> edLeaf = CompletableFuture.supplyAsync(() -> ca.issue(certificates.resolve("ed25519"), KeyType.ED25519));
        ec = ca.issue(certificates.resolve("ec"));
        // A chosen validity, to show the helper applies it.
        ecNext = ca.issue(certificates.resolve("ec-next"), KeyType.EC_P256, Instant.now().minus(Duration.ofHours(1)), 7);
        rsa = rsaLeaf.join();
        ed25519 = edLeaf.join();
    }

    @Test
    void helperWritesTheFilesWithTheValidityAsked() throws Exception {
        assertThat(Files.readString(ec.chainPem())).startsWith("-----BEGIN CERTIFICATE-----\n").containsOnlyOnce("-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(ec.keyPem())).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(rsa.traditionalKeyPem())).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
        assertThat(Files.readString(ec.traditionalKeyPem())).startsWith("-----BEGIN EC PRIVATE KEY-----\n");
        assertThat(ed25519.traditionalKeyPem()).isNull();
        assertThat(ec.caPem()).exists();
        assertThat(ec.certificate().getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))))
                .containsExactly("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
        Duration validity = Duration.between(ecNext.certificate().getNotBefore().toInstant(), ecNext.certificate().getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(7));
        assertThat(ecNext.certificate().getNotBefore().toInstant()).isBetween(
                Instant.now().minus(Duration.ofHours(1)).minus(Duration.ofMinutes(5)), Instant.now().minus(Duration.ofMinutes(55)));
    }

    static Stream<Arguments> keysAndProtocols() {
        return Stream.of(
                Arguments.of("EC", "TLSv1.3"), Arguments.of("EC", "TLSv1.2"),
                Arguments.of("RSA", "TLSv1.3"), Arguments.of("RSA", "TLSv1.2"),
                Arguments.of("Ed25519", "TLSv1.3"), Arguments.of("Ed25519", "TLSv1.2"));
    }

    @ParameterizedTest(name = "{0} key over {1}")
    @MethodSource("keysAndProtocols")
    void pemCredentialsServeTheirLeafToAClientTrustingTheCa(String keyType, String protocol) throws Exception {
        Leaf leaf = switch (keyType) {
            case "EC" -> ec;
            case "RSA" -> rsa;
            default -> ed25519;
        };
        TlsCredentials credentials = TlsCredentials.fromPem(leaf.chainPem(), leaf.keyPem());

        InMemoryTlsHandshake tls = handshake(credentials.newServerContext(), protocol);

        assertThat(tls.client().getSession().getProtocol()).isEqualTo(protocol);
        assertThat(tls.serverCertificate()).isEqualTo(leaf.certificate());
        assertThat(tls.clientToServer(bytes("allocate"))).isEqualTo(bytes("allocate"));
        assertThat(tls.serverToClient(bytes("401"))).isEqualTo(bytes("401"));
        assertThat(credentials.certificateChain()).containsExactly(leaf.certificate(), ca.caCertificate());
    }

    @Test
    void clientsCheckTheCaAndTheName() throws Exception {
        SSLContext server = TlsCredentials.fromPem(ec.chainPem(), ec.keyPem()).newServerContext();
        SSLEngine untrusting = SSLContext.getDefault().createSSLEngine("127.0.0.1", 5349);
        untrusting.setUseClientMode(true);
        SSLEngine otherName = ca.clientContextTrustingCa().createSSLEngine("turn.example.org", 5349);
        otherName.setUseClientMode(true);
        SSLParameters https = otherName.getSSLParameters();
        https.setEndpointIdentificationAlgorithm("HTTPS");
        otherName.setSSLParameters(https);

        assertThatThrownBy(() -> InMemoryTlsHandshake.connect(untrusting, serverEngine(server)))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("PKIX path building failed");
        assertThatThrownBy(() -> InMemoryTlsHandshake.connect(otherName, serverEngine(server)))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("turn.example.org");
    }

    @Test
    void pkcs12CredentialsServeTheirLeaf() throws Exception {
        TlsCredentials credentials = TlsCredentials.fromPkcs12(rsa.pkcs12(), rsa.pkcs12Password());

        InMemoryTlsHandshake tls = handshake(credentials.newServerContext(), "TLSv1.3");

        assertThat(tls.serverCertificate()).isEqualTo(rsa.certificate());
        assertThat(credentials.certificateChain()).containsExactly(rsa.certificate(), ca.caCertificate());
        assertThat(credentials.files()).containsExactly(rsa.pkcs12());
        assertThat(credentials.description()).isEqualTo("PKCS#12 file " + rsa.pkcs12());
    }

    @Test
    void pkcs12WithAnEmptyPasswordLoads() throws Exception {
        Path file = dir.resolve("empty-password.p12");
        TestCertificates.writePkcs12(file, new char[0], "leaf", ec.privateKey(), ec.certificate(), ca.caCertificate());

        TlsCredentials credentials = TlsCredentials.fromPkcs12(file, new char[0]);

        assertThat(credentials.certificateChain().get(0)).isEqualTo(ec.certificate());
    }

    @Test
    void aJksKeystoreLoadsToo() throws Exception {
        KeyStore store = KeyStore.getInstance("JKS");
        store.load(null, null);
        store.setKeyEntry("leaf", ec.privateKey(), ec.pkcs12Password(), new X509Certificate[] {ec.certificate(), ca.caCertificate()});
        Path file = dir.resolve("turn.jks");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, ec.pkcs12Password());
        }

        TlsCredentials credentials = TlsCredentials.fromPkcs12(file, ec.pkcs12Password());

        assertThat(credentials.certificateChain()).containsExactly(ec.certificate(), ca.caCertificate());
    }

    @Test
    void pkcs12WithSeveralKeysNeedsAnAlias() throws Exception {
        Path file = twoEntryKeystore();

        assertRefused(() -> TlsCredentials.fromPkcs12(file, ec.pkcs12Password()),
                file, "several private key entries (one, two); choose one by its alias");
        assertRefused(() -> TlsCredentials.fromPkcs12(file, ec.pkcs12Password(), "three", Clock.systemUTC()),
                file, "no private key entry 'three' (private key entries: one, two)");
        TlsCredentials two = TlsCredentials.fromPkcs12(file, ec.pkcs12Password(), "two", Clock.systemUTC());
        assertThat(two.certificateChain().get(0)).isEqualTo(rsa.certificate());
        assertThat(two.description()).isEqualTo("PKCS#12 file " + file + " entry 'two'");
    }

    @Test
    void pkcs12WithAWrongPasswordIsRefused() {
        assertRefused(() -> TlsCredentials.fromPkcs12(ec.pkcs12(), "wrong".toCharArray()),
                ec.pkcs12(), "wrong password for the PKCS#12 file");
    }

    @Test
    void pkcs12ThatIsNotOneIsRefused() throws IOException {
        Path garbage = write("garbage.p12", new byte[] {0x30, (byte) 0x82, 0x01, 0x00, 0x02, 0x01, 0x03});

        TlsCredentialsException e = catchThrowableOfType(TlsCredentialsException.class, () -> TlsCredentials.fromPkcs12(garbage, new char[0]));

        assertThat(e.file()).isEqualTo(garbage);
        assertThat(e.getMessage()).startsWith(garbage + ": not a PKCS#12 file (");
        assertRefused(() -> TlsCredentials.fromPkcs12(ec.chainPem(), ec.pkcs12Password()),
                ec.chainPem(), "not a PKCS#12 file (it is PEM: load it as a certificate chain and key instead)");
    }

    @Test
    void pkcs12WithOnlyCertificatesIsRefused() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca.caCertificate());
        Path file = dir.resolve("trust.p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, ec.pkcs12Password());
        }

        assertRefused(() -> TlsCredentials.fromPkcs12(file, ec.pkcs12Password()),
                file, "no private key entry in the file (entries: ca)");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("cert.pem");

        assertRefused(() -> TlsCredentials.fromPem(missing, ec.keyPem()), missing, "no such file");
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), missing), missing, "no such file");
        assertRefused(() -> TlsCredentials.fromPkcs12(missing, new char[0]), missing, "no such file");
    }

    @Test
    void aDirectoryIsRefused() {
        assertRefused(() -> TlsCredentials.fromPem(dir, ec.keyPem()), dir, "is a directory, not a file");
    }

    @Test
    void anUnreadableFileSaysPermissionDenied() throws IOException {
        Path locked = copy(ec.chainPem(), "cert.pem");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        // Root reads any file; then only the mapping of the JDK's exception is checked.
        assumeThat(Files.isReadable(locked)).as("running as root").isFalse();

        assertRefused(() -> TlsCredentials.fromPem(locked, ec.keyPem()), locked, "not readable (permission denied)");
    }

    @Test
    void permissionDeniedIsSaidAsSuch() {
        Path file = Path.of("/etc/turn/cert.pem");

        assertThat(TlsCredentials.unreadable(file, new AccessDeniedException(file.toString())).getMessage())
                .isEqualTo("/etc/turn/cert.pem: not readable (permission denied)");
        assertThat(TlsCredentials.unreadable(file, new IOException("Input/output error")).getMessage())
                .isEqualTo("/etc/turn/cert.pem: not readable (Input/output error)");
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        Path empty = write("cert.pem", new byte[0]);

        assertRefused(() -> TlsCredentials.fromPem(empty, ec.keyPem()), empty, "the file is empty");
    }

    @Test
    void aHugeFileIsNotReadWhole() throws IOException {
        Path huge = write("cert.pem", new byte[TlsCredentials.MAX_FILE_BYTES + 1]);

        assertRefused(() -> TlsCredentials.fromPem(huge, ec.keyPem()), huge, "larger than 1048576 bytes, so not a certificate or key file");
    }

    @Test
    void textWithoutACertificateIsRefused() throws IOException {
        Path garbage = write("cert.pem", bytes("server.example.org\nnot a certificate\n"));

        assertRefused(() -> TlsCredentials.fromPem(garbage, ec.keyPem()), garbage, "no certificate in the file");
    }

    @Test
    void derInsteadOfPemIsRefused() throws Exception {
        Path der = write("cert.der", ec.certificate().getEncoded());

        assertRefused(() -> TlsCredentials.fromPem(der, ec.keyPem()), der, "not a PEM file (it looks like binary DER or PKCS#12)");
    }

    @Test
    void aHalfWrittenCertificateFileIsRefused() throws IOException {
        String chain = Files.readString(ec.chainPem());
        Path half = write("cert.pem", bytes(chain.substring(0, chain.length() / 4)));

        assertRefused(() -> TlsCredentials.fromPem(half, ec.keyPem()), half, "the CERTIFICATE block has no END line (is the file complete?)");
    }

    @Test
    void aBlockThatIsNotBase64IsRefused() throws IOException {
        Path bad = write("cert.pem", bytes("-----BEGIN CERTIFICATE-----\nMIIB*not*base64\n-----END CERTIFICATE-----\n"));

        assertRefused(() -> TlsCredentials.fromPem(bad, ec.keyPem()), bad, "the CERTIFICATE block is not valid base64");
    }

    @Test
    void aBlockThatIsNotACertificateIsRefused() throws IOException {
        Path bad = write("cert.pem", bytes(TestCertificates.pem("CERTIFICATE", bytes("twelve bytes"))));

        TlsCredentialsException e = catchThrowableOfType(TlsCredentialsException.class, () -> TlsCredentials.fromPem(bad, ec.keyPem()));

        assertThat(e.getMessage()).startsWith(bad + ": certificate 1 in the file is not a valid X.509 certificate (").doesNotContain("\n");
    }

    @Test
    void swappedFilesAreRecognised() {
        assertRefused(() -> TlsCredentials.fromPem(ec.keyPem(), ec.chainPem()), ec.keyPem(),
                "no certificate in the file (it holds a private key: are the certificate and key files swapped?)");
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ec.chainPem()), ec.chainPem(),
                "no private key in the file (it holds a certificate: are the certificate and key files swapped?)");
    }

    @Test
    void aPkcs1KeyIsRefusedWithTheConversion() {
        assertRefused(() -> TlsCredentials.fromPem(rsa.chainPem(), rsa.traditionalKeyPem()), rsa.traditionalKeyPem(),
                "the key is PKCS#1 (BEGIN RSA PRIVATE KEY), which is not read; convert it to PKCS#8 with: " + TO_PKCS8);
    }

    @Test
    void aSec1KeyIsRefusedWithTheConversion() {
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ec.traditionalKeyPem()), ec.traditionalKeyPem(),
                "the key is SEC1 (BEGIN EC PRIVATE KEY), which is not read; convert it to PKCS#8 with: " + TO_PKCS8);
    }

    @Test
    void anEncryptedKeyIsRefusedWithTheConversion() {
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ec.encryptedKeyPem()), ec.encryptedKeyPem(),
                "the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY), and only unencrypted keys are read;"
                        + " decrypt it to PKCS#8 with: " + TO_PKCS8);
    }

    @Test
    void otherKeyFormatsAreRefused() throws IOException {
        Path openssh = write("id_ed25519", bytes(TestCertificates.pem("OPENSSH PRIVATE KEY", bytes("openssh-key-v1"))));

        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), openssh), openssh,
                "the key is in an unsupported format (BEGIN OPENSSH PRIVATE KEY); a PKCS#8 key (BEGIN PRIVATE KEY) is needed");
    }

    @Test
    void aDamagedPkcs8KeyIsRefused() throws IOException {
        Path damaged = write("key.pem", bytes(TestCertificates.pem("PRIVATE KEY", bytes("not DER at all"))));

        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), damaged), damaged,
                "the PRIVATE KEY block is not an RSA, EC or EdDSA key, or it is damaged");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ecNext.keyPem()), ecNext.keyPem(),
                "the private key does not match the certificate in " + ec.chainPem());
        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), rsa.keyPem()), rsa.keyPem(),
                "the private key does not match the certificate in " + ec.chainPem());
    }

    @Test
    void aChainWithTheLeafNotFirstIsRefused() throws Exception {
        Path reversed = write("cert.pem", bytes(TestCertificates.pem("CERTIFICATE", ca.caCertificate().getEncoded())
                + TestCertificates.pem("CERTIFICATE", ec.certificate().getEncoded())));

        assertRefused(() -> TlsCredentials.fromPem(reversed, ec.keyPem()), ec.keyPem(),
                "the private key does not match the first certificate in " + reversed
                        + " but certificate 2 (CN=localhost); the server's own certificate must come first");
    }

    @Test
    void aPkcs12EntryWhoseKeyDoesNotMatchIsRefused() {
        Path file = dir.resolve("mismatch.p12");
        TestCertificates.writePkcs12(file, ec.pkcs12Password(), "leaf", ecNext.privateKey(), ec.certificate());

        assertRefused(() -> TlsCredentials.fromPkcs12(file, ec.pkcs12Password()), file,
                "the private key of entry 'leaf' does not match its certificate");
    }

    @Test
    void anExpiredCertificateIsRefused() {
        Instant notAfter = ec.certificate().getNotAfter().toInstant();
        Clock after = Clock.fixed(notAfter.plusSeconds(1), ZoneOffset.UTC);

        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ec.keyPem(), after), ec.chainPem(),
                "the certificate expired on " + notAfter);
        assertRefused(() -> TlsCredentials.fromPkcs12(ec.pkcs12(), ec.pkcs12Password(), null, after), ec.pkcs12(),
                "the certificate expired on " + notAfter);
        assertThat(notAfter.toString()).endsWith("Z").doesNotContain(".");
    }

    @Test
    void aCertificateIsValidUpToItsNotAfterInclusive() throws TlsCredentialsException {
        Instant notAfter = ec.certificate().getNotAfter().toInstant();

        TlsCredentials credentials = TlsCredentials.fromPem(ec.chainPem(), ec.keyPem(), Clock.fixed(notAfter, ZoneOffset.UTC));

        assertThat(credentials.notAfter()).isEqualTo(notAfter);
    }

    @Test
    void aCertificateNotYetValidIsRefused() {
        Instant notBefore = ec.certificate().getNotBefore().toInstant();
        Clock before = Clock.fixed(notBefore.minusSeconds(1), ZoneOffset.UTC);

        assertRefused(() -> TlsCredentials.fromPem(ec.chainPem(), ec.keyPem(), before), ec.chainPem(),
                "the certificate is not valid before " + notBefore);
    }

    @Test
    void aCertificateIssuedExpiredIsRefusedByTheSystemClock() {
        Leaf expired = ca.renew(ec, dir.resolve("expired"), Instant.now().minus(Duration.ofDays(10)), 1);

        assertRefused(() -> TlsCredentials.fromPem(expired.chainPem(), expired.keyPem()), expired.chainPem(),
                "the certificate expired on " + expired.certificate().getNotAfter().toInstant());
    }

    @Test
    void keyAndChainMayShareAFile() throws Exception {
        Path combined = write("combined.pem", bytes(Files.readString(ec.keyPem()) + Files.readString(ec.chainPem())));

        TlsCredentials credentials = TlsCredentials.fromPem(combined, combined);

        assertThat(credentials.files()).containsExactly(combined);
        assertThat(credentials.certificateChain()).containsExactly(ec.certificate(), ca.caCertificate());
    }

    @Test
    void accessorsDescribeTheServedLeafAndItsFiles() throws TlsCredentialsException {
        TlsCredentials credentials = TlsCredentials.fromPem(ec.chainPem(), ec.keyPem());

        assertThat(credentials.notAfter()).isEqualTo(ec.certificate().getNotAfter().toInstant());
        assertThat(credentials.notBefore()).isEqualTo(ec.certificate().getNotBefore().toInstant());
        assertThat(credentials.certificateFile()).isEqualTo(ec.chainPem());
        assertThat(credentials.privateKeyFile()).isEqualTo(ec.keyPem());
        assertThat(credentials.files()).containsExactly(ec.chainPem(), ec.keyPem());
        assertThat(credentials.generation()).isEqualTo(1);
        assertThat(credentials.description()).isEqualTo("certificate chain " + ec.chainPem() + " and private key " + ec.keyPem());
        assertThat(credentials).hasToString("TlsCredentials[" + credentials.description() + "]");
    }

    @Test
    void enabledProtocolsAreTls13And12Only() {
        assertThat(TlsCredentials.ENABLED_PROTOCOLS).containsExactly("TLSv1.3", "TLSv1.2")
                .doesNotContain("TLSv1", "TLSv1.1", "SSLv3");
        assertThatThrownBy(() -> TlsCredentials.ENABLED_PROTOCOLS.add("TLSv1.1")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void keyManagerAnswersOnlyForItsKeyTypeAndOnlyAsAServer() throws TlsCredentialsException {
        X509ExtendedKeyManager keys = TlsCredentials.fromPem(ec.chainPem(), ec.keyPem()).keyManager();

        assertThat(keys.chooseEngineServerAlias("EC", null, null)).isEqualTo("turnrelay-1");
        assertThat(keys.chooseServerAlias("EC", null, null)).isEqualTo("turnrelay-1");
        assertThat(keys.getServerAliases("EC", null)).containsExactly("turnrelay-1");
        assertThat(keys.chooseEngineServerAlias("EC_EC", null, null)).isEqualTo("turnrelay-1");
        assertThat(keys.chooseEngineServerAlias("EC_RSA", null, null)).isNull();
        assertThat(keys.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(keys.getServerAliases("RSA", null)).isNull();
        assertThat(keys.getCertificateChain("turnrelay-1")).containsExactly(ec.certificate(), ca.caCertificate());
        assertThat(keys.getPrivateKey("turnrelay-1")).isEqualTo(ec.privateKey());
        assertThat(keys.getCertificateChain("leaf")).isNull();
        assertThat(keys.getPrivateKey("turnrelay-2")).isNull();
        assertThat(keys.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNull();
        assertThat(keys.chooseClientAlias(new String[] {"EC"}, null, null)).isNull();
        assertThat(keys.getClientAliases("EC", null)).isNull();
    }

    @Test
    void keyManagerMatchesRsaAndEdDsaKeys() throws TlsCredentialsException {
        X509ExtendedKeyManager rsaKeys = TlsCredentials.fromPem(rsa.chainPem(), rsa.keyPem()).keyManager();
        X509ExtendedKeyManager edKeys = TlsCredentials.fromPem(ed25519.chainPem(), ed25519.keyPem()).keyManager();

        assertThat(rsaKeys.chooseEngineServerAlias("RSA", null, null)).isEqualTo("turnrelay-1");
        assertThat(rsaKeys.chooseEngineServerAlias("EC", null, null)).isNull();
        assertThat(edKeys.chooseEngineServerAlias("EdDSA", null, null)).isEqualTo("turnrelay-1");
        assertThat(edKeys.chooseEngineServerAlias("RSA", null, null)).isNull();
    }

    @Test
    void reloadOfUnchangedFilesChangesNothing() throws Exception {
        TlsCredentials credentials = TlsCredentials.fromPem(copy(ec.chainPem(), "cert.pem"), copy(ec.keyPem(), "key.pem"));

        ReloadResult result = credentials.reload();

        assertThat(result.status()).isEqualTo(ReloadResult.Status.UNCHANGED);
        assertThat(result.message()).isEqualTo(credentials.description() + ": unchanged");
        assertThat(credentials.generation()).isEqualTo(1);
        assertThat(credentials.keyManager().chooseEngineServerAlias("EC", null, null)).isEqualTo("turnrelay-1");
    }

    @Test
    void reloadServesANewPairToNewHandshakesWhileOldSessionsGoOn() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);
        SSLContext server = credentials.newServerContext();
        InMemoryTlsHandshake before = handshake(server, "TLSv1.3");

        replace(ecNext.keyPem(), key);
        replace(ecNext.chainPem(), cert);
        ReloadResult result = credentials.reload();

        assertThat(result.status()).isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(result.message()).isEqualTo(credentials.description() + ": now serving CN=localhost until "
                + ecNext.certificate().getNotAfter().toInstant());
        assertThat(result).hasToString("RELOADED: " + result.message());
        assertThat(handshake(server, "TLSv1.3").serverCertificate()).isEqualTo(ecNext.certificate());
        assertThat(handshake(server, "TLSv1.2").serverCertificate()).isEqualTo(ecNext.certificate());
        assertThat(before.serverCertificate()).isEqualTo(ec.certificate());
        assertThat(before.clientToServer(bytes("refresh"))).isEqualTo(bytes("refresh"));
        assertThat(before.serverToClient(bytes("200"))).isEqualTo(bytes("200"));
        assertThat(credentials.notAfter()).isEqualTo(ecNext.certificate().getNotAfter().toInstant());
        assertThat(credentials.certificateChain()).containsExactly(ecNext.certificate(), ca.caCertificate());
        assertThat(credentials.generation()).isEqualTo(2);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.UNCHANGED);
    }

    @Test
    void anAliasChosenBeforeASwapStillFindsItsMaterial() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);
        X509ExtendedKeyManager keys = credentials.keyManager();
        String chosen = keys.chooseEngineServerAlias("EC", null, null);

        replace(ecNext.keyPem(), key);
        replace(ecNext.chainPem(), cert);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.RELOADED);

        assertThat(keys.chooseEngineServerAlias("EC", null, null)).isEqualTo("turnrelay-2");
        assertThat(keys.getPrivateKey(chosen)).isEqualTo(ec.privateKey());
        assertThat(keys.getCertificateChain(chosen)).containsExactly(ec.certificate(), ca.caCertificate());
        assertThat(keys.getPrivateKey("turnrelay-2")).isEqualTo(ecNext.privateKey());

        replace(ec.keyPem(), key);
        replace(ec.chainPem(), cert);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.RELOADED);

        // Two generations back is gone: a new alias each time, so nothing can mistake it for the current one.
        assertThat(keys.chooseEngineServerAlias("EC", null, null)).isEqualTo("turnrelay-3");
        assertThat(keys.getPrivateKey(chosen)).isNull();
        assertThat(keys.getCertificateChain("turnrelay-2")).containsExactly(ecNext.certificate(), ca.caCertificate());
    }

    @Test
    void aCertificateReplacedBeforeItsKeyKeepsTheOldPair() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);
        SSLContext server = credentials.newServerContext();

        replace(ecNext.chainPem(), cert);
        ReloadResult failed = credentials.reload();

        assertThat(failed.status()).isEqualTo(ReloadResult.Status.FAILED);
        assertThat(failed.message()).isEqualTo(key + ": the private key does not match the certificate in " + cert);
        assertThat(handshake(server, "TLSv1.3").serverCertificate()).isEqualTo(ec.certificate());
        assertThat(credentials.notAfter()).isEqualTo(ec.certificate().getNotAfter().toInstant());
        assertThat(credentials.generation()).isEqualTo(1);
        assertThat(credentials.reload()).isEqualTo(failed);

        replace(ecNext.keyPem(), key);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(handshake(server, "TLSv1.3").serverCertificate()).isEqualTo(ecNext.certificate());
    }

    @Test
    void aRenewalThatKeepsTheKeyReloadsFromTheCertificateAlone() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);
        Leaf renewed = ca.renew(ec, dir.resolve("renewed"), Instant.now().minus(Duration.ofMinutes(1)), 90);

        replace(renewed.chainPem(), cert);
        ReloadResult result = credentials.reload();

        assertThat(result.status()).isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(Files.readAllBytes(key)).isEqualTo(Files.readAllBytes(renewed.keyPem()));
        assertThat(credentials.notAfter()).isEqualTo(renewed.certificate().getNotAfter().toInstant())
                .isAfter(ec.certificate().getNotAfter().toInstant());
        assertThat(handshake(credentials.newServerContext(), "TLSv1.3").serverCertificate()).isEqualTo(renewed.certificate());
    }

    @Test
    void aHalfWrittenOrMissingFileFailsTheReloadWithoutHarm() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);
        SSLContext server = credentials.newServerContext();

        String next = Files.readString(ecNext.chainPem());
        Files.writeString(cert, next.substring(0, 100), US_ASCII);
        ReloadResult half = credentials.reload();
        Files.delete(cert);
        ReloadResult missing = credentials.reload();

        assertThat(half).isEqualTo(new ReloadResult(ReloadResult.Status.FAILED,
                cert + ": the CERTIFICATE block has no END line (is the file complete?)"));
        assertThat(missing).isEqualTo(new ReloadResult(ReloadResult.Status.FAILED, cert + ": no such file"));
        assertThat(handshake(server, "TLSv1.2").serverCertificate()).isEqualTo(ec.certificate());
        assertThat(credentials.generation()).isEqualTo(1);
    }

    @Test
    void filesRestoredAfterAFailureAreUnchanged() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key);

        replace(rsa.chainPem(), cert);
        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.FAILED);
        replace(ec.chainPem(), cert);

        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.UNCHANGED);
    }

    @Test
    void reloadChecksValidityWithTheGivenClock() throws Exception {
        Path cert = copy(ec.chainPem(), "cert.pem");
        Path key = copy(ec.keyPem(), "key.pem");
        // ecNext is valid from an hour ago; this clock stands before that.
        Instant early = ecNext.certificate().getNotBefore().toInstant().minusSeconds(60);
        TlsCredentials credentials = TlsCredentials.fromPem(cert, key, Clock.fixed(early, ZoneOffset.UTC));

        replace(ecNext.keyPem(), key);
        replace(ecNext.chainPem(), cert);

        assertThat(credentials.reload()).isEqualTo(new ReloadResult(ReloadResult.Status.FAILED,
                cert + ": the certificate is not valid before " + ecNext.certificate().getNotBefore().toInstant()));
    }

    @Test
    void pkcs12Reloads() throws Exception {
        Path file = copy(ec.pkcs12(), "turn.p12");
        TlsCredentials credentials = TlsCredentials.fromPkcs12(file, ec.pkcs12Password());
        SSLContext server = credentials.newServerContext();

        replace(rsa.pkcs12(), file);
        ReloadResult result = credentials.reload();

        assertThat(result.status()).isEqualTo(ReloadResult.Status.RELOADED);
        assertThat(handshake(server, "TLSv1.3").serverCertificate()).isEqualTo(rsa.certificate());
        assertThat(credentials.keyManager().chooseEngineServerAlias("RSA", null, null)).isEqualTo("turnrelay-2");
        assertThat(credentials.keyManager().chooseEngineServerAlias("EC", null, null)).isNull();
    }

    @Test
    void thePasswordIsCopiedForReloads() throws Exception {
        Path file = copy(ec.pkcs12(), "turn.p12");
        char[] password = ec.pkcs12Password();
        TlsCredentials credentials = TlsCredentials.fromPkcs12(file, password);
        Arrays.fill(password, '\0');

        replace(ecNext.pkcs12(), file);

        assertThat(credentials.reload().status()).isEqualTo(ReloadResult.Status.RELOADED);
    }

    @Test
    void exceptionKeepsFileAndReasonApart() {
        Path missing = dir.resolve("nowhere.pem");

        TlsCredentialsException e = catchThrowableOfType(TlsCredentialsException.class, () -> TlsCredentials.fromPem(missing, missing));

        assertThat(e.file()).isEqualTo(missing);
        assertThat(e.reason()).isEqualTo("no such file");
        assertThat(e.getMessage()).isEqualTo(missing + ": no such file");
    }

    /** A client trusting the test CA, verifying the server as 127.0.0.1 (the leaf's IP SAN), handshaking {@code server}. */
    private static InMemoryTlsHandshake handshake(SSLContext server, String protocol) throws SSLException {
        SSLEngine serverEngine = serverEngine(server);
        SSLEngine clientEngine = ca.clientContextTrustingCa().createSSLEngine("127.0.0.1", 5349);
        clientEngine.setUseClientMode(true);
        SSLParameters parameters = clientEngine.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        clientEngine.setSSLParameters(parameters);
        return InMemoryTlsHandshake.connect(clientEngine, serverEngine);
    }

    private static SSLEngine serverEngine(SSLContext server) {
        SSLEngine engine = server.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(TlsCredentials.ENABLED_PROTOCOLS.toArray(String[]::new));
        return engine;
    }

    private Path twoEntryKeystore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("one", ec.privateKey(), ec.pkcs12Password(), new X509Certificate[] {ec.certificate(), ca.caCertificate()});
        store.setKeyEntry("two", rsa.privateKey(), ec.pkcs12Password(), new X509Certificate[] {rsa.certificate(), ca.caCertificate()});
        store.setCertificateEntry("ca", ca.caCertificate());
        Path file = dir.resolve("two.p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, ec.pkcs12Password());
        }
        return file;
    }

    private interface Load {
        TlsCredentials load() throws TlsCredentialsException;
    }

    private static void assertRefused(Load load, Path file, String reason) {
        TlsCredentialsException e = catchThrowableOfType(TlsCredentialsException.class, load::load);

        assertThat(e).as("refused").isNotNull();
        assertThat(e.getMessage()).isEqualTo(file + ": " + reason);
        assertThat(e.file()).isEqualTo(file);
    }

    private Path copy(Path from, String name) throws IOException {
        return Files.copy(from, dir.resolve(name));
    }

    /** Replaces {@code target} the way a deployment tool does: write beside it, then rename over it. */
    private static void replace(Path source, Path target) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Path write(String name, byte[] contents) throws IOException {
        return Files.write(dir.resolve(name), contents);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(US_ASCII);
    }
}
