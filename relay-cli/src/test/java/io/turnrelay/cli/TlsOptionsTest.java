package io.turnrelay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.tls.TestCertificates;
import io.turnrelay.api.tls.TlsCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The certificate and listener options, with real certificate files; every failure exits 2 with one line. */
class TlsOptionsTest {
    private static final InetAddress HOST_ADDRESS = InetAddress.getLoopbackAddress();

    @TempDir
    static Path directory;
    private static TestCertificates ca;
    private static TestCertificates.Leaf leaf;
    private static TestCertificates.Leaf otherLeaf;
    private static TestCertificates.Leaf expired;
    private static TestCertificates.Leaf notYetValid;
    private static TestCertificates.Leaf rsaLeaf;
    private static Path emptyPasswordPkcs12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> environment = new HashMap<>();

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.newCa(directory.resolve("ca"));
        leaf = ca.issue(directory.resolve("leaf"));
        otherLeaf = ca.issue(directory.resolve("other"));
        expired = ca.issue(directory.resolve("expired"), TestCertificates.KeyType.EC_P256, Instant.now().minus(Duration.ofDays(60)), 30);
        notYetValid = ca.issue(directory.resolve("future"), TestCertificates.KeyType.EC_P256, Instant.now().plus(Duration.ofDays(2)), 30);
        rsaLeaf = ca.issue(directory.resolve("rsa"), TestCertificates.KeyType.RSA_2048);
        emptyPasswordPkcs12 = directory.resolve("empty-password.p12");
        TestCertificates.writePkcs12(emptyPasswordPkcs12, new char[0], "relay", leaf.privateKey(),
                leaf.chain().toArray(java.security.cert.X509Certificate[]::new));
    }

    private Object check(String... args) {
        RelayCli cli = new RelayCli(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return cli.check(args, () -> HOST_ADDRESS);
    }

    private RelaySetup setup(String... args) {
        Object result = check(args);
        assertThat(result).as("stderr: %s", stderr()).isInstanceOf(RelaySetup.class);
        return (RelaySetup) result;
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String[] pem(TestCertificates.Leaf leaf, String... more) {
        List<String> args = new ArrayList<>(List.of("--tls-cert=" + leaf.chainPem(), "--tls-key=" + leaf.keyPem()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static List<String> listeners(RelaySetup setup) {
        return setup.relayConfig().listeners().stream().map(ClientListener::toString).toList();
    }

    @Test
    void aPemCertificateAddsTlsOn5349AndATurnsUrl() {
        RelaySetup setup = setup(pem(leaf));
        RelayConfig config = setup.relayConfig();
        TlsCredentials tls = config.tls();
        assertThat(tls).isNotNull();
        assertThat(tls.certificateChain().get(0)).isEqualTo(leaf.certificate());
        assertThat(listeners(setup)).containsExactly("udp 0.0.0.0:3478", "tcp 0.0.0.0:3478", "tls 0.0.0.0:5349");
        assertThat(setup.generatedUser().iceServerJson()).startsWith("{\"urls\":[\"turn:127.0.0.1:3478?transport=udp\","
                + "\"turn:127.0.0.1:3478?transport=tcp\",\"turns:127.0.0.1:5349?transport=tcp\"],\"username\":");
    }

    @Test
    void theCertificateAndKeyComeFromTheEnvironmentToo() {
        environment.put("TURNRELAY_TLS_CERT", leaf.chainPem().toString());
        environment.put("TURNRELAY_TLS_KEY", leaf.keyPem().toString());
        assertThat(setup().relayConfig().tls().certificateFile()).isEqualTo(leaf.chainPem());
    }

    @Test
    void tlsPortsAreRepeatableAndAListInTheEnvironment() {
        RelaySetup twoPorts = setup(pem(leaf, "--tls-listen-port=443", "--tls-listen-port", "5350"));
        assertThat(listeners(twoPorts)).containsExactly("udp 0.0.0.0:3478", "tcp 0.0.0.0:3478", "tls 0.0.0.0:443", "tls 0.0.0.0:5350");
        assertThat(twoPorts.generatedUser().iceServerJson()).contains(
                "\"turns:127.0.0.1:443?transport=tcp\",\"turns:127.0.0.1:5350?transport=tcp\"]");
        environment.put("TURNRELAY_TLS_LISTEN_PORTS", "443, 8443 5351");
        assertThat(listeners(setup(pem(leaf)))).endsWith("tls 0.0.0.0:443", "tls 0.0.0.0:8443", "tls 0.0.0.0:5351");
        assertThat(listeners(setup(pem(leaf, "--tls-listen-port=9443")))).as("the command line wins").endsWith("tls 0.0.0.0:9443");
    }

    @Test
    void withoutTcpTheTlsPortMayBeTheListenPort() {
        RelaySetup setup = setup(pem(leaf, "--no-tcp", "--tls-listen-port=3478"));
        assertThat(listeners(setup)).containsExactly("udp 0.0.0.0:3478", "tls 0.0.0.0:3478");
        assertThat(setup.generatedUser().iceServerJson()).startsWith(
                "{\"urls\":[\"turn:127.0.0.1:3478?transport=udp\",\"turns:127.0.0.1:3478?transport=tcp\"],");
    }

    @Test
    void detectTlsServesTlsOnTheTcpListenPort() {
        assertThat(listeners(setup(pem(leaf, "--detect-tls")))).containsExactly("udp 0.0.0.0:3478", "tcp+tls 0.0.0.0:3478", "tls 0.0.0.0:5349");
        environment.put("TURNRELAY_DETECT_TLS", "true");
        assertThat(setup(pem(leaf)).relayConfig().listeners()).anyMatch(ClientListener::detectTls);
    }

    @Test
    void aPkcs12FileTakesItsPasswordFromTheEnvironment() {
        environment.put("TURNRELAY_TLS_PKCS12_PASSWORD", TestCertificates.PASSWORD);
        RelaySetup setup = setup("--tls-pkcs12", leaf.pkcs12().toString());
        assertThat(setup.relayConfig().tls().certificateFile()).isEqualTo(leaf.pkcs12());
        assertThat(listeners(setup)).contains("tls 0.0.0.0:5349");
        environment.put("TURNRELAY_TLS_PKCS12", leaf.pkcs12().toString());
        assertThat(setup().relayConfig().tls()).isNotNull();
    }

    @Test
    void anEmptyOrUnsetPkcs12PasswordIsTheEmptyPassword() {
        assertThat(setup("--tls-pkcs12=" + emptyPasswordPkcs12).relayConfig().tls()).isNotNull();
        environment.put("TURNRELAY_TLS_PKCS12_PASSWORD", "");
        assertThat(setup("--tls-pkcs12=" + emptyPasswordPkcs12).relayConfig().tls()).isNotNull();
    }

    @Test
    void aWrongPkcs12PasswordNamesTheFileButNeverThePassword() {
        environment.put("TURNRELAY_TLS_PKCS12_PASSWORD", "not-the-password");
        assertThat(check("--tls-pkcs12=" + leaf.pkcs12())).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(oneLine()).startsWith("relay-cli: --tls-pkcs12: " + leaf.pkcs12() + ": wrong password")
                .doesNotContain("not-the-password");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--tls-listen-port=70000|--tls-listen-port: 70000 is not a TCP port",
        "--tls-listen-port=0|--tls-listen-port: 0 is not a TCP port",
        "--tls-listen-port=443 --tls-listen-port=443|--tls-listen-port: 443 is given twice",
        "--tls-listen-port=3478|--tls-listen-port: 3478 is the TCP listen port as well",
        "--tls-listen-port=50000|--tls-listen-port: tls 0.0.0.0:50000: port 50000 lies inside the relay port range",
        "--detect-tls --no-tcp|--detect-tls: needs the TCP listener",
    })
    void badListenerOptionsWithACertificateExitTwo(String args, String expected) {
        assertThat(check(pem(leaf, args.split(" ")))).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(oneLine()).startsWith("relay-cli: " + expected);
    }

    /** Each way a certificate cannot serve: exit 2, one line naming the option, the file and the reason. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing certificate file|--tls-cert|missing|leaf-key|no such file",
        "missing key file|--tls-key|leaf-chain|missing|no such file",
        "certificate is a directory|--tls-cert|directory|leaf-key|is a directory",
        "garbled certificate|--tls-cert|garbage|leaf-key|no certificate in the file",
        "garbled key|--tls-key|leaf-chain|garbage|no private key in the file",
        "truncated certificate|--tls-cert|truncated|leaf-key|has no END line",
        "files swapped|--tls-cert|leaf-key|leaf-chain|are the certificate and key files swapped?",
        "key of another certificate|--tls-key|leaf-chain|other-key|does not match",
        "PKCS#1 key|--tls-key|rsa-chain|rsa-traditional|PKCS#1",
        "encrypted key|--tls-key|leaf-chain|leaf-encrypted|encrypted",
        "expired certificate|--tls-cert|expired-chain|expired-key|the certificate expired on",
        "certificate not yet valid|--tls-cert|future-chain|future-key|the certificate is not valid before",
    })
    void aCertificateThatCannotServeExitsTwoNamingTheFile(String name, String option, String certificate, String key, String reason)
            throws IOException {
        Path certificateFile = file(certificate);
        Path keyFile = file(key);
        assertThat(check("--tls-cert=" + certificateFile, "--tls-key=" + keyFile)).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        Path named = option.equals("--tls-key") ? keyFile : certificateFile;
        assertThat(oneLine()).startsWith("relay-cli: " + option + ": " + named + ": ").contains(reason)
                .endsWith("(see relay-cli --help)");
    }

    @Test
    void aGarbledPkcs12FileExitsTwoNamingTheFile() throws IOException {
        Path garbage = file("garbage");
        assertThat(check("--tls-pkcs12=" + garbage)).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(oneLine()).startsWith("relay-cli: --tls-pkcs12: " + garbage + ": not a PKCS#12 file");
        err.reset();
        assertThat(check("--tls-pkcs12=" + leaf.chainPem())).isEqualTo(RelayCli.EXIT_BAD_CONFIGURATION);
        assertThat(oneLine()).startsWith("relay-cli: --tls-pkcs12: " + leaf.chainPem() + ": not a PKCS#12 file (it is PEM");
    }

    /**
     * The one line on stderr, checked to be one line without a stack trace (a reason may name an exception class,
     * as "not a PKCS#12 file (EOFException)" does).
     */
    private String oneLine() {
        String stderr = stderr();
        assertThat(stderr).endsWith("\n");
        assertThat(stderr.strip()).doesNotContain("\n").doesNotContain("Exception:").doesNotContain("\tat ");
        return stderr.strip();
    }

    private static Path file(String name) throws IOException {
        return switch (name) {
            case "missing" -> directory.resolve("no-such-file.pem");
            case "directory" -> directory;
            case "garbage" -> {
                Path garbage = directory.resolve("garbage.pem");
                Files.writeString(garbage, "this is not a certificate\n");
                yield garbage;
            }
            case "truncated" -> {
                Path truncated = directory.resolve("truncated.pem");
                String chain = Files.readString(leaf.chainPem());
                Files.writeString(truncated, chain.substring(0, chain.length() / 3));
                yield truncated;
            }
            case "leaf-chain" -> leaf.chainPem();
            case "leaf-key" -> leaf.keyPem();
            case "leaf-encrypted" -> leaf.encryptedKeyPem();
            case "other-key" -> otherLeaf.keyPem();
            case "rsa-chain" -> rsaLeaf.chainPem();
            case "rsa-traditional" -> rsaLeaf.traditionalKeyPem();
            case "expired-chain" -> expired.chainPem();
            case "expired-key" -> expired.keyPem();
            case "future-chain" -> notYetValid.chainPem();
            case "future-key" -> notYetValid.keyPem();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
