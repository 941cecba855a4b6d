package io.turnrelay.api.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * A TLS server's certificate chain and private key, read from files, checked, and reloadable without a
 * restart. Both transports take their key material from {@link #keyManager()}, which always serves the current
 * files; {@link #reload()} swaps in new ones for new handshakes.
 *
 * <p>Accepted files: a PEM certificate chain (leaf first) with an unencrypted PKCS#8 PEM key
 * ({@code BEGIN PRIVATE KEY}; RSA, EC or EdDSA), or a PKCS#12 file. Loading checks that the key matches the
 * leaf and that the leaf is valid now; every failure is a {@link TlsCredentialsException} naming the file.
 *
 * <p>Thread-safe. Loading and reloading read files, so call them from a thread of your own, never from an
 * event loop.
 */
public final class TlsCredentials {

    /**
     * The protocols to enable on every server engine: no TLS 1.0 or 1.1 (RFC 8489 §6.2.3 defers to RFC 7525).
     * For {@code SSLEngine.setEnabledProtocols(ENABLED_PROTOCOLS.toArray(String[]::new))} or Netty's
     * {@code SslContextBuilder.protocols(ENABLED_PROTOCOLS)}.
     */
    public static final List<String> ENABLED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Far above any real chain or keystore; stops a mistyped path such as /dev/zero from filling the heap. */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static final String ALIAS_PREFIX = "turnrelay-";
    private static final String TO_PKCS8 = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem";
    /** Tried in turn: a PKCS#8 blob names its algorithm only by OID. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Source source;
    private final Clock clock;
    private final LiveKeyManager keyManager = new LiveKeyManager();
    private volatile Generations generations;

    private TlsCredentials(Source source, Clock clock) throws TlsCredentialsException {
        this.source = source;
        this.clock = clock;
        this.generations = new Generations(load(source.read(), 1), null);
    }

    /** PEM files checked against the system clock. */
    public static TlsCredentials fromPem(Path certificateChainFile, Path privateKeyFile) throws TlsCredentialsException {
        return fromPem(certificateChainFile, privateKeyFile, Clock.systemUTC());
    }

    /**
     * @param certificateChainFile one or more {@code BEGIN CERTIFICATE} blocks, the server's own first
     * @param privateKeyFile an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}); may be the chain file itself
     * @param clock decides whether the certificate is valid, at load and at each reload
     */
    public static TlsCredentials fromPem(Path certificateChainFile, Path privateKeyFile, Clock clock) throws TlsCredentialsException {
        return new TlsCredentials(new PemSource(
                Objects.requireNonNull(certificateChainFile, "certificateChainFile"),
                Objects.requireNonNull(privateKeyFile, "privateKeyFile")), Objects.requireNonNull(clock, "clock"));
    }

    /**
     * A PKCS#12 file with one private key entry, checked against the system clock. A JKS file loads too: the
     * JDK's PKCS12 keystore reads both.
     */
    public static TlsCredentials fromPkcs12(Path file, char[] password) throws TlsCredentialsException {
        return fromPkcs12(file, password, null, Clock.systemUTC());
    }

    /**
     * @param password of the file and of its key entry (may be empty); copied, since each reload needs it
     * @param alias the key entry to serve; null when the file holds exactly one
     * @param clock decides whether the certificate is valid, at load and at each reload
     */
    public static TlsCredentials fromPkcs12(Path file, char[] password, @Nullable String alias, Clock clock) throws TlsCredentialsException {
        return new TlsCredentials(new Pkcs12Source(
                Objects.requireNonNull(file, "file"), Objects.requireNonNull(password, "password").clone(), alias),
                Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Reads the files again. Unchanged contents change nothing; valid new contents serve every handshake that
     * starts from now on (established connections keep their keys); anything else, such as a certificate
     * replaced before its key or a half-written file, leaves the previous material in place. Files that fail
     * fail again on the next call, with the same reason, until they are fixed.
     */
    public synchronized ReloadResult reload() {
        Material current = generations.current();
        try {
            byte[][] contents = source.read();
            if (Arrays.deepEquals(contents, current.contents())) {
                return new ReloadResult(ReloadResult.Status.UNCHANGED, source.description() + ": unchanged");
            }
            Material next = load(contents, current.generation() + 1);
            generations = new Generations(next, current);
            X509Certificate leaf = next.chain()[0];
            return new ReloadResult(ReloadResult.Status.RELOADED, source.description() + ": now serving "
                    + leaf.getSubjectX500Principal().getName() + " until " + leaf.getNotAfter().toInstant());
        } catch (TlsCredentialsException e) {
            return new ReloadResult(ReloadResult.Status.FAILED, e.getMessage());
        } catch (RuntimeException e) {
            // Callers reload from timers and signal handlers; an escaping exception would end their checks.
            return new ReloadResult(ReloadResult.Status.FAILED, source.description() + ": " + oneLine(e.toString()));
        }
    }

    /**
     * The one key manager to give every server context: it answers with the material current at each
     * handshake. Each generation has its own alias, so providers that cache key material by alias (as
     * netty-tcnative may) cannot go on serving replaced material. It has no client side.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** A new JDK server context ({@code "TLS"}) on {@link #keyManager()}; enable {@link #ENABLED_PROTOCOLS} on its engines. */
    public SSLContext newServerContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK's TLS provider cannot make a server context", e);
        }
    }

    /** The chain served now, leaf first. */
    public List<X509Certificate> certificateChain() {
        return List.of(generations.current().chain());
    }

    /** The served leaf's notBefore. */
    public Instant notBefore() {
        return generations.current().chain()[0].getNotBefore().toInstant();
    }

    /** The served leaf's notAfter (for an expiry gauge). */
    public Instant notAfter() {
        return generations.current().chain()[0].getNotAfter().toInstant();
    }

    /** 1 when loaded, one more after each {@link ReloadResult.Status#RELOADED}. */
    public int generation() {
        return generations.current().generation();
    }

    /** The PEM certificate chain file, or the PKCS#12 file. */
    public Path certificateFile() {
        return source.certificateFile();
    }

    /** The PEM key file, or the PKCS#12 file. */
    public Path privateKeyFile() {
        return source.privateKeyFile();
    }

    /** Every file that is read, each once: what a file watcher watches. */
    public List<Path> files() {
        Path cert = source.certificateFile();
        Path key = source.privateKeyFile();
        return cert.equals(key) ? List.of(cert) : List.of(cert, key);
    }

    /** Names the files, for logs, e.g. {@code "certificate chain /etc/turn/cert.pem and private key /etc/turn/key.pem"}. */
    public String description() {
        return source.description();
    }

    @Override
    public String toString() {
        return "TlsCredentials[" + description() + "]";
    }

    private Material load(byte[][] contents, int generation) throws TlsCredentialsException {
        KeyAndChain parsed = source.parse(contents);
        X509Certificate leaf = parsed.chain()[0];
        Instant now = clock.instant();
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isBefore(notBefore)) {
            throw new TlsCredentialsException(source.certificateFile(), "the certificate is not valid before " + notBefore);
        }
        if (now.isAfter(notAfter)) {
            throw new TlsCredentialsException(source.certificateFile(), "the certificate expired on " + notAfter);
        }
        return new Material(generation, ALIAS_PREFIX + generation, parsed.chain(), parsed.key(), contents);
    }

    /** Reads a whole file, refusing what cannot be a certificate or key file. */
    static byte[] readFile(Path file) throws TlsCredentialsException {
        if (Files.isDirectory(file)) {
            throw new TlsCredentialsException(file, "is a directory, not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] contents = in.readNBytes(MAX_FILE_BYTES + 1);
            if (contents.length > MAX_FILE_BYTES) {
                throw new TlsCredentialsException(file, "larger than " + MAX_FILE_BYTES + " bytes, so not a certificate or key file");
            }
            return contents;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    static TlsCredentialsException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new TlsCredentialsException(file, "no such file", e);
        }
        if (e instanceof AccessDeniedException) {
            return new TlsCredentialsException(file, "not readable (permission denied)", e);
        }
        return new TlsCredentialsException(file, "not readable (" + message(e) + ")", e);
    }

    private static List<X509Certificate> readCertificates(Path file, byte[] contents) throws TlsCredentialsException {
        List<Pem.Block> blocks = Pem.blocks(file, contents);
        CertificateFactory factory = certificateFactory();
        List<X509Certificate> certificates = new ArrayList<>();
        for (Pem.Block block : blocks) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            byte[] der = Pem.decode(file, block);
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new TlsCredentialsException(file, "certificate " + (certificates.size() + 1)
                        + " in the file is not a valid X.509 certificate (" + message(e) + ")", e);
            }
        }
        if (certificates.isEmpty()) {
            boolean holdsKey = blocks.stream().anyMatch(b -> b.label().endsWith("PRIVATE KEY"));
            throw new TlsCredentialsException(file, holdsKey
                    ? "no certificate in the file (it holds a private key: are the certificate and key files swapped?)"
                    : "no certificate in the file");
        }
        return certificates;
    }

    private static PrivateKey readPrivateKey(Path file, byte[] contents) throws TlsCredentialsException {
        List<Pem.Block> blocks = Pem.blocks(file, contents);
        Pem.Block pkcs8 = null;
        for (Pem.Block block : blocks) {
            String label = block.label();
            switch (label) {
                case "PRIVATE KEY":
                    if (pkcs8 != null) {
                        throw new TlsCredentialsException(file, "more than one private key in the file");
                    }
                    pkcs8 = block;
                    break;
                case "RSA PRIVATE KEY":
                    throw new TlsCredentialsException(file, "the key is PKCS#1 (BEGIN RSA PRIVATE KEY), which is not read;"
                            + " convert it to PKCS#8 with: " + TO_PKCS8);
                case "EC PRIVATE KEY":
                    throw new TlsCredentialsException(file, "the key is SEC1 (BEGIN EC PRIVATE KEY), which is not read;"
                            + " convert it to PKCS#8 with: " + TO_PKCS8);
                case "ENCRYPTED PRIVATE KEY":
                    throw new TlsCredentialsException(file, "the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY), and only"
                            + " unencrypted keys are read; decrypt it to PKCS#8 with: " + TO_PKCS8);
                default:
                    if (label.endsWith("PRIVATE KEY")) {
                        throw new TlsCredentialsException(file, "the key is in an unsupported format (BEGIN " + label
                                + "); a PKCS#8 key (BEGIN PRIVATE KEY) is needed");
                    }
            }
        }
        if (pkcs8 == null) {
            boolean holdsCertificate = blocks.stream().anyMatch(b -> b.label().equals("CERTIFICATE"));
            throw new TlsCredentialsException(file, holdsCertificate
                    ? "no private key in the file (it holds a certificate: are the certificate and key files swapped?)"
                    : "no private key in the file");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Pem.decode(file, pkcs8));
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
                // Not this algorithm (or not on this JDK); try the next.
            }
        }
        throw new TlsCredentialsException(file, "the PRIVATE KEY block is not an RSA, EC or EdDSA key, or it is damaged");
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the one check that works for every key type. */
    private static boolean signsFor(PrivateKey key, PublicKey publicKey) {
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        try {
            Signature signer = signature(key);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signed = signer.sign();
            Signature verifier = signature(key);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signed);
        } catch (InvalidKeyException | SignatureException e) {
            // A public key of another type, or a signature that does not parse: not this key's certificate.
            return false;
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("The JDK cannot sign with a " + key.getAlgorithm() + " key", e);
        }
    }

    private static Signature signature(PrivateKey key) throws NoSuchAlgorithmException, InvalidAlgorithmParameterException {
        String algorithm = key.getAlgorithm();
        return switch (algorithm) {
            case "RSA" -> Signature.getInstance("SHA256withRSA");
            case "EC" -> Signature.getInstance("SHA256withECDSA");
            case "EdDSA", "Ed25519", "Ed448" -> Signature.getInstance(algorithm);
            case "RSASSA-PSS" -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                AlgorithmParameterSpec params = key instanceof RSAKey rsa ? rsa.getParams() : null;
                pss.setParameter(params != null ? params
                        : new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, PSSParameterSpec.TRAILER_FIELD_BC));
                yield pss;
            }
            default -> throw new NoSuchAlgorithmException(algorithm);
        };
    }

    private static boolean canSign(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA", "EC", "EdDSA", "Ed25519", "Ed448", "RSASSA-PSS" -> true;
            default -> false;
        };
    }

    private static void requireSigningKey(Path file, PrivateKey key) throws TlsCredentialsException {
        if (!canSign(key)) {
            throw new TlsCredentialsException(file, "a " + key.getAlgorithm() + " key cannot serve TLS 1.3; use an RSA, EC or Ed25519 key");
        }
    }

    private static CertificateFactory certificateFactory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("X.509 is mandatory on every Java SE platform", e);
        }
    }

    private static String message(Exception e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : oneLine(message);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** The chain and key a source parsed, already known to match. */
    private record KeyAndChain(X509Certificate[] chain, PrivateKey key) {}

    /** One generation of served material and the file contents it came from. */
    private record Material(int generation, String alias, X509Certificate[] chain, PrivateKey key, byte[][] contents) {}

    /** The previous generation stays reachable for a handshake that chose its alias just before a swap. */
    private record Generations(Material current, @Nullable Material previous) {
        @Nullable Material byAlias(@Nullable String alias) {
            if (current.alias().equals(alias)) {
                return current;
            }
            Material before = previous;
            return before != null && before.alias().equals(alias) ? before : null;
        }
    }

    private interface Source {
        Path certificateFile();

        Path privateKeyFile();

        String description();

        /** Every file's contents, in a fixed order. */
        byte[][] read() throws TlsCredentialsException;

        KeyAndChain parse(byte[][] contents) throws TlsCredentialsException;
    }

    private record PemSource(Path certificateFile, Path privateKeyFile) implements Source {
        @Override
        public String description() {
            return "certificate chain " + certificateFile + " and private key " + privateKeyFile;
        }

        @Override
        public byte[][] read() throws TlsCredentialsException {
            return new byte[][] {readFile(certificateFile), readFile(privateKeyFile)};
        }

        @Override
        public KeyAndChain parse(byte[][] contents) throws TlsCredentialsException {
            List<X509Certificate> chain = readCertificates(certificateFile, contents[0]);
            PrivateKey key = readPrivateKey(privateKeyFile, contents[1]);
            requireSigningKey(privateKeyFile, key);
            if (!signsFor(key, chain.get(0).getPublicKey())) {
                for (int i = 1; i < chain.size(); i++) {
                    if (signsFor(key, chain.get(i).getPublicKey())) {
                        throw new TlsCredentialsException(privateKeyFile, "the private key does not match the first certificate in "
                                + certificateFile + " but certificate " + (i + 1) + " ("
                                + chain.get(i).getSubjectX500Principal().getName() + "); the server's own certificate must come first");
                    }
                }
                throw new TlsCredentialsException(privateKeyFile, "the private key does not match the certificate in " + certificateFile);
            }
            return new KeyAndChain(chain.toArray(X509Certificate[]::new), key);
        }
    }

    private static final class Pkcs12Source implements Source {
        private final Path file;
        private final char[] password;
        private final @Nullable String alias;

        Pkcs12Source(Path file, char[] password, @Nullable String alias) {
            this.file = file;
            this.password = password;
            this.alias = alias;
        }

        @Override
        public Path certificateFile() { return file; }

        @Override
        public Path privateKeyFile() { return file; }

        @Override
        public String description() {
            return "PKCS#12 file " + file + (alias != null ? " entry '" + alias + "'" : "");
        }

        @Override
        public byte[][] read() throws TlsCredentialsException {
            return new byte[][] {readFile(file)};
        }

        @Override
        public KeyAndChain parse(byte[][] contents) throws TlsCredentialsException {
            KeyStore store = open(contents[0]);
            String entry = keyEntry(store);
            try {
                PrivateKey key = (PrivateKey) store.getKey(entry, password);
                Certificate[] certificates = store.getCertificateChain(entry);
                if (certificates == null || certificates.length == 0) {
                    throw new TlsCredentialsException(file, "entry '" + entry + "' has no certificate");
                }
                X509Certificate[] chain = new X509Certificate[certificates.length];
                for (int i = 0; i < chain.length; i++) {
                    if (!(certificates[i] instanceof X509Certificate)) {
                        throw new TlsCredentialsException(file, "entry '" + entry + "' holds a " + certificates[i].getType() + " certificate, not X.509");
                    }
                    chain[i] = (X509Certificate) certificates[i];
                }
                requireSigningKey(file, key);
                if (!signsFor(key, chain[0].getPublicKey())) {
                    throw new TlsCredentialsException(file, "the private key of entry '" + entry + "' does not match its certificate");
                }
                return new KeyAndChain(chain, key);
            } catch (UnrecoverableKeyException e) {
                throw new TlsCredentialsException(file, "the private key of entry '" + entry
                        + "' has another password than the file; both must be the same", e);
            } catch (KeyStoreException | NoSuchAlgorithmException e) {
                throw new TlsCredentialsException(file, "entry '" + entry + "' cannot be read (" + message(e) + ")", e);
            }
        }

        private KeyStore open(byte[] contents) throws TlsCredentialsException {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(new ByteArrayInputStream(contents), password);
                return store;
            } catch (IOException e) {
                if (e.getCause() instanceof UnrecoverableKeyException) {
                    throw new TlsCredentialsException(file, "wrong password for the PKCS#12 file", e);
                }
                if (new String(contents, StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
                    throw new TlsCredentialsException(file, "not a PKCS#12 file (it is PEM: load it as a certificate chain and key instead)", e);
                }
                throw new TlsCredentialsException(file, "not a PKCS#12 file (" + message(e) + ")", e);
            } catch (GeneralSecurityException e) {
                throw new TlsCredentialsException(file, "the PKCS#12 file cannot be read (" + message(e) + ")", e);
            }
        }

        private String keyEntry(KeyStore store) throws TlsCredentialsException {
            try {
                List<String> all = Collections.list(store.aliases());
                Collections.sort(all);
                List<String> keys = new ArrayList<>();
                for (String name : all) {
                    if (store.entryInstanceOf(name, KeyStore.PrivateKeyEntry.class)) {
                        keys.add(name);
                    }
                }
                String wanted = alias;
                if (wanted != null) {
                    // PKCS#12 aliases are case-insensitive in the JDK, so compare as it does.
                    for (String name : keys) {
                        if (name.equalsIgnoreCase(wanted)) {
                            return name;
                        }
                    }
                    throw new TlsCredentialsException(file, "no private key entry '" + wanted + "' (private key entries: "
                            + (keys.isEmpty() ? "none" : String.join(", ", keys)) + ")");
                }
                if (keys.isEmpty()) {
                    throw new TlsCredentialsException(file, "no private key entry in the file (entries: "
                            + (all.isEmpty() ? "none" : String.join(", ", all)) + ")");
                }
                if (keys.size() > 1) {
                    throw new TlsCredentialsException(file, "several private key entries (" + String.join(", ", keys)
                            + "); choose one by its alias");
                }
                return keys.get(0);
            } catch (KeyStoreException e) {
                throw new IllegalStateException("A loaded keystore refused to list its entries", e);
            }
        }
    }

    /** Serves whatever {@link #generations} holds at the moment of each call; nothing here reads a file. */
    private final class LiveKeyManager extends X509ExtendedKeyManager {
        @Override
        public String @Nullable [] getServerAliases(@Nullable String keyType, Principal @Nullable [] issuers) {
            Material current = generations.current();
            return fits(keyType, current) ? new String[] {current.alias()} : null;
        }

        @Override
        public @Nullable String chooseServerAlias(@Nullable String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
            return chooseAlias(keyType);
        }

        @Override
        public @Nullable String chooseEngineServerAlias(@Nullable String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
            return chooseAlias(keyType);
        }

        @Override
        public X509Certificate @Nullable [] getCertificateChain(@Nullable String alias) {
            Material material = generations.byAlias(alias);
            return material == null ? null : material.chain().clone();
        }

        @Override
        public @Nullable PrivateKey getPrivateKey(@Nullable String alias) {
            Material material = generations.byAlias(alias);
            return material == null ? null : material.key();
        }

        @Override
        public String @Nullable [] getClientAliases(@Nullable String keyType, Principal @Nullable [] issuers) {
            return null;
        }

        @Override
        public @Nullable String chooseClientAlias(String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable Socket socket) {
            return null;
        }

        @Override
        public @Nullable String chooseEngineClientAlias(String @Nullable [] keyTypes, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
            return null;
        }

        private @Nullable String chooseAlias(@Nullable String keyType) {
            Material current = generations.current();
            return fits(keyType, current) ? current.alias() : null;
        }

        /**
         * Whether the material suits a key type as providers ask for it: {@code "RSA"}, {@code "EC"},
         * {@code "EdDSA"}, {@code "RSASSA-PSS"}, or {@code "EC_RSA"} (an EC key in a certificate signed with RSA).
         * Answering a type that does not fit would make a provider offer a cipher suite the key cannot do.
         */
        private boolean fits(@Nullable String keyType, Material material) {
            if (keyType == null) {
                return false;
            }
            int underscore = keyType.indexOf('_');
            String keyAlgorithm = underscore < 0 ? keyType : keyType.substring(0, underscore);
            String actual = material.key().getAlgorithm();
            boolean sameKey = keyAlgorithm.equalsIgnoreCase(actual)
                    || keyAlgorithm.equalsIgnoreCase("EdDSA") && (actual.equals("Ed25519") || actual.equals("Ed448"));
            if (!sameKey || underscore < 0) {
                return sameKey;
            }
            String signedWith = keyType.substring(underscore + 1).toUpperCase(Locale.ROOT);
            return material.chain()[0].getSigAlgName().toUpperCase(Locale.ROOT).contains("WITH" + signedWith);
        }
    }
}
