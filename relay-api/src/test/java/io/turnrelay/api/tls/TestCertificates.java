package io.turnrelay.api.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Throwaway test certificates: a CA and leaves it signs, made by the JDK's own {@code keytool} (no BouncyCastle,
 * no {@code openssl}) and written as PEM and PKCS#12 in Java. For tests of any module (relay-api publishes its
 * test-jar); nothing here depends on JUnit. Each keytool run starts a JVM (about a third of a second), so make
 * the CA and leaves once per test class where the test allows.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.newCa(dir);            // ca.pem, ca.p12
 * TestCertificates.Leaf leaf = ca.issue(dir.resolve("leaf"));   // chain.pem, key.pem, leaf.p12, ...
 * SSLContext client = leaf.clientContextTrustingCa();
 * }</pre>
 *
 * <p>Leaves are for {@code CN=localhost} with subjectAltName {@code DNS:localhost, IP:127.0.0.1, IP:::1} and
 * extended key usage serverAuth. Failures are unchecked: a test cannot go on without its certificates. Leaves
 * in different directories may be issued from several threads at once.
 */
public final class TestCertificates {

    /** Password of every keystore written here, and of {@code key-encrypted.pem}. */
    public static final String PASSWORD = "changeit";

    public enum KeyType {
        EC_P256("-keyalg", "EC", "-groupname", "secp256r1"),
        RSA_2048("-keyalg", "RSA", "-keysize", "2048"),
        ED25519("-keyalg", "Ed25519");

        private final List<String> keytoolOptions;

        KeyType(String... keytoolOptions) {
            this.keytoolOptions = List.of(keytoolOptions);
        }
    }

    /**
     * A leaf's files and objects; every file is in {@code directory}, which also keeps {@code leaf.csr} for
     * {@link TestCertificates#renew}.
     *
     * @param chainPem {@code chain.pem}: the leaf, then the CA
     * @param leafPem {@code leaf.pem}: the leaf alone
     * @param keyPem {@code key.pem}: unencrypted PKCS#8, {@code BEGIN PRIVATE KEY}
     * @param traditionalKeyPem {@code key-traditional.pem}: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) for RSA, SEC1
     *     ({@code BEGIN EC PRIVATE KEY}; the curve stays behind in the PKCS#8 wrapper, so OpenSSL may not read it)
     *     for EC; null for Ed25519, which has no such format
     * @param encryptedKeyPem {@code key-encrypted.pem}: PKCS#8 encrypted with {@link #PASSWORD}, {@code BEGIN ENCRYPTED PRIVATE KEY}
     * @param pkcs12 {@code leaf.p12}: one entry, alias {@code leaf}, the key with the chain, password {@link #PASSWORD}
     */
    public record Leaf(
            TestCertificates ca,
            Path directory,
            Path chainPem,
            Path leafPem,
            Path keyPem,
            @Nullable Path traditionalKeyPem,
            Path encryptedKeyPem,
            Path pkcs12,
            X509Certificate certificate,
            PrivateKey privateKey) {

        public char[] pkcs12Password() { return PASSWORD.toCharArray(); }

        /** The leaf, then the CA, as in {@code chain.pem}. */
        public List<X509Certificate> chain() { return List.of(certificate, ca.caCertificate()); }

        public Path caPem() { return ca.caPem(); }

        public X509Certificate caCertificate() { return ca.caCertificate(); }

        /** See {@link TestCertificates#clientContextTrustingCa()}. */
        public SSLContext clientContextTrustingCa() { return ca.clientContextTrustingCa(); }
    }

    private static final String CA_ALIAS = "ca";
    private static final String LEAF_ALIAS = "leaf";
    private static final String SUBJECT_ALT_NAMES = "SAN=dns:localhost,ip:127.0.0.1,ip:::1";
    /** keytool reads -startdate in its own time zone, so it is given UTC. */
    private static final DateTimeFormatter KEYTOOL_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final Path caKeystore;
    private final Path caPem;
    private final X509Certificate caCertificate;

    private TestCertificates(Path directory, Path caKeystore, Path caPem, X509Certificate caCertificate) {
        this.directory = directory;
        this.caKeystore = caKeystore;
        this.caPem = caPem;
        this.caCertificate = caCertificate;
    }

    /**
     * A new EC P-256 CA, valid from a year ago for ten years, written to {@code directory} as {@code ca.pem} (to
     * trust, e.g. in an NSS database) and {@code ca.p12} (its key, for keytool). Its name carries a random
     * suffix, so CAs of several runs can sit in one trust store. One keytool run.
     */
    public static TestCertificates newCa(Path directory) {
        createDirectories(directory);
        Path keystore = directory.resolve("ca.p12");
        String name = "CN=turnrelay test CA " + HexFormat.of().formatHex(randomBytes(4));
        keytool(directory, "-genkeypair", "-alias", CA_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", name,
                "-ext", "bc:c", "-ext", "KU=keyCertSign,cRLSign",
                "-startdate", KEYTOOL_DATE.format(Instant.now().minus(Duration.ofDays(365))), "-validity", "3650",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
        X509Certificate certificate;
        try {
            certificate = (X509Certificate) loadKeystore(keystore).getCertificate(CA_ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keytool wrote a CA that cannot be read back", e);
        }
        Path pem = directory.resolve("ca.pem");
        writeString(pem, pem("CERTIFICATE", encoded(certificate)));
        return new TestCertificates(directory, keystore, pem, certificate);
    }

    /** A CA and an EC leaf, all files in {@code directory}. Four keytool runs. */
    public static Leaf create(Path directory) {
        return newCa(directory).issue(directory);
    }

    /** An EC P-256 leaf valid from a day ago for 30 days. Three keytool runs. */
    public Leaf issue(Path directory) {
        return issue(directory, KeyType.EC_P256);
    }

    /** A leaf valid from a day ago for 30 days. Three keytool runs. */
    public Leaf issue(Path directory, KeyType keyType) {
        return issue(directory, keyType, Instant.now().minus(Duration.ofDays(1)), 30);
    }

    /**
     * A leaf valid from {@code notBefore} (to the second) for {@code validityDays}: in the past for an expired
     * one, in the future for one not yet valid. Three keytool runs.
     */
    public Leaf issue(Path directory, KeyType keyType, Instant notBefore, int validityDays) {
        createDirectories(directory);
        Path work = directory.resolve("leaf-key.p12");
        List<String> genkeypair = new ArrayList<>(List.of("-genkeypair", "-alias", LEAF_ALIAS, "-dname", "CN=localhost",
                "-keystore", work.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        genkeypair.addAll(keyType.keytoolOptions);
        keytool(directory, genkeypair.toArray(String[]::new));
        keytool(directory, "-certreq", "-alias", LEAF_ALIAS, "-keystore", work.toString(), "-storepass", PASSWORD,
                "-file", directory.resolve("leaf.csr").toString());
        PrivateKey key;
        try {
            key = (PrivateKey) loadKeystore(work).getKey(LEAF_ALIAS, PASSWORD.toCharArray());
            Files.delete(work);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keytool wrote a key that cannot be read back", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sign(directory, directory.resolve("leaf.csr"), key, notBefore, validityDays);
    }

    /**
     * A new certificate for {@code leaf}'s key, as a renewal that keeps the key ({@code certbot --reuse-key}):
     * the same key files, a new {@code chain.pem}, {@code leaf.pem} and {@code leaf.p12}. One keytool run.
     */
    public Leaf renew(Leaf leaf, Path directory, Instant notBefore, int validityDays) {
        createDirectories(directory);
        Path csr = directory.resolve("leaf.csr");
        try {
            if (!Files.isSameFile(leaf.directory(), directory)) {
                Files.copy(leaf.directory().resolve("leaf.csr"), csr, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sign(directory, csr, leaf.privateKey(), notBefore, validityDays);
    }

    /** The CA's certificate, as in {@code ca.pem}. */
    public X509Certificate caCertificate() { return caCertificate; }

    public Path caPem() { return caPem; }

    /** Where {@code ca.pem} and {@code ca.p12} are. */
    public Path directory() { return directory; }

    /**
     * A new client context that trusts this CA and nothing else. Each call has its own session cache, so a
     * handshake on it never resumes one made on another.
     */
    public SSLContext clientContextTrustingCa() {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry(CA_ALIAS, caCertificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot make a client context trusting the test CA", e);
        }
    }

    /** {@code -----BEGIN label-----}, base64 in 64-character lines, {@code -----END label-----}, each line ending in LF. */
    public static String pem(String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
    }

    private Leaf sign(Path directory, Path csr, PrivateKey key, Instant notBefore, int validityDays) {
        Path issued = directory.resolve("leaf.crt");
        String keyUsage = key.getAlgorithm().equals("RSA") ? "KU=digitalSignature,keyEncipherment" : "KU=digitalSignature";
        keytool(directory, "-gencert", "-alias", CA_ALIAS, "-keystore", caKeystore.toString(), "-storepass", PASSWORD,
                "-infile", csr.toString(), "-outfile", issued.toString(), "-rfc",
                "-ext", SUBJECT_ALT_NAMES, "-ext", "EKU=serverAuth", "-ext", keyUsage,
                "-startdate", KEYTOOL_DATE.format(notBefore.truncatedTo(ChronoUnit.SECONDS)), "-validity", Integer.toString(validityDays));
        X509Certificate certificate = readCertificate(issued);

        Path chainPem = directory.resolve("chain.pem");
        writeString(chainPem, pem("CERTIFICATE", encoded(certificate)) + pem("CERTIFICATE", encoded(caCertificate)));
        Path leafPem = directory.resolve("leaf.pem");
        writeString(leafPem, pem("CERTIFICATE", encoded(certificate)));
        Path keyPem = directory.resolve("key.pem");
        writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        Path traditionalKeyPem = null;
        String traditionalLabel = switch (key.getAlgorithm()) {
            case "RSA" -> "RSA PRIVATE KEY";
            case "EC" -> "EC PRIVATE KEY";
            default -> null;
        };
        if (traditionalLabel != null) {
            traditionalKeyPem = directory.resolve("key-traditional.pem");
            writeString(traditionalKeyPem, pem(traditionalLabel, innerPrivateKey(key.getEncoded())));
        }
        Path encryptedKeyPem = directory.resolve("key-encrypted.pem");
        writeString(encryptedKeyPem, pem("ENCRYPTED PRIVATE KEY", encrypt(key.getEncoded())));
        Path pkcs12 = directory.resolve("leaf.p12");
        writePkcs12(pkcs12, PASSWORD.toCharArray(), LEAF_ALIAS, key, certificate, caCertificate);
        return new Leaf(this, directory, chainPem, leafPem, keyPem, traditionalKeyPem, encryptedKeyPem, pkcs12, certificate, key);
    }

    /** Writes a PKCS#12 file with one private key entry per alias: {@code alias, key, chain...}. */
    public static void writePkcs12(Path file, char[] password, String alias, PrivateKey key, X509Certificate... chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, key, password, chain);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot write " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(Path directory, String... arguments) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString(),
                // A short-lived JVM: C1 only and the serial collector start fastest.
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Duser.timezone=UTC", "-J-Duser.language=en", "-noprompt"));
        command.addAll(Arrays.asList(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + arguments[0] + " did not finish in 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", arguments) + " failed with " + process.exitValue() + ": " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + keytool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while keytool ran", e);
        }
    }

    /**
     * The privateKey OCTET STRING of a PKCS#8 PrivateKeyInfo: for RSA that is the PKCS#1 RSAPrivateKey, for EC
     * the SEC1 ECPrivateKey. PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm SEQUENCE, privateKey OCTET STRING, ... }.
     */
    private static byte[] innerPrivateKey(byte[] pkcs8) {
        int[] at = {0};
        enter(pkcs8, at, 0x30);
        skip(pkcs8, at, 0x02);
        skip(pkcs8, at, 0x30);
        int length = enter(pkcs8, at, 0x04);
        return Arrays.copyOfRange(pkcs8, at[0], at[0] + length);
    }

    /** Reads a tag and a DER length at {@code at}, leaving {@code at} on the contents; returns their length. */
    private static int enter(byte[] der, int[] at, int tag) {
        if ((der[at[0]++] & 0xff) != tag) {
            throw new IllegalArgumentException("Unexpected DER tag at " + (at[0] - 1));
        }
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = (length << 8) | (der[at[0]++] & 0xff);
        }
        return length;
    }

    private static void skip(byte[] der, int[] at, int tag) {
        int length = enter(der, at, tag);
        at[0] += length;
    }

    /** PKCS#8 encrypted with {@link #PASSWORD}; PBES2 names do not encode on JDK 17, so the PKCS#12 3DES scheme, which OpenSSL reads. */
    private static byte[] encrypt(byte[] pkcs8) {
        try {
            String algorithm = "PBEWithSHA1AndDESede";
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(PASSWORD.toCharArray())),
                    new PBEParameterSpec(randomBytes(8), 10_000));
            return new EncryptedPrivateKeyInfo(cipher.getParameters(), cipher.doFinal(pkcs8)).getEncoded();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot encrypt a test key", e);
        }
    }

    private static KeyStore loadKeystore(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate readCertificate(Path file) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keytool wrote a certificate that cannot be read: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
