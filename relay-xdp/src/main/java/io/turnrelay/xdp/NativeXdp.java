package io.turnrelay.xdp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The JNI library (turn_xdp_jni.c, over libbpf) and the program's object, both built into this jar; see
 * {@link #support()} for whether they are there and load. Handles are native pointers, closed exactly once.
 */
final class NativeXdp {
    static final int TO_PEER_V4 = 0;
    static final int TO_CLIENT_V4 = 1;
    static final int TO_PEER_V6 = 2;
    static final int TO_CLIENT_V6 = 3;

    private static final String RESOURCES = "/io/turnrelay/xdp/";
    private static final String LIBRARY = "libturnrelay_xdp.so";
    private static final String PROGRAM = "turn_xdp.bpf.o";
    private static final String UNAVAILABLE = "unavailable.txt";

    private static @Nullable XdpSupport support;

    private NativeXdp() {}

    /** Loads the library once; says why XDP cannot work in this build or on this machine otherwise. */
    static synchronized XdpSupport support() {
        if (support == null) {
            support = load();
        }
        return support;
    }

    private static XdpSupport load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return new XdpSupport(false, "XDP needs Linux, this is " + System.getProperty("os.name"));
        }
        String unavailable = resourceText(UNAVAILABLE);
        if (unavailable != null) {
            return new XdpSupport(false, "relay-xdp was built without XDP support: " + unavailable.strip());
        }
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return new XdpSupport(false, "relay-xdp's native library is built for x86_64, this is " + arch);
        }
        try (InputStream in = NativeXdp.class.getResourceAsStream(RESOURCES + LIBRARY)) {
            if (in == null) {
                return new XdpSupport(false, "relay-xdp's native library is missing from the jar");
            }
            // System.load needs a file; a private directory keeps another user from swapping it.
            Path directory = Files.createTempDirectory("turnrelay-xdp");
            Path library = directory.resolve(LIBRARY);
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
            System.load(library.toString());
            Files.deleteIfExists(library);
            Files.deleteIfExists(directory);
            return new XdpSupport(true, "");
        } catch (IOException | UnsatisfiedLinkError e) {
            return new XdpSupport(false, "relay-xdp's native library does not load: " + e.getMessage()
                    + " (it needs libbpf.so.1, Debian package libbpf1)");
        }
    }

    /** The compiled program (ELF), as built into the jar. */
    static byte[] programObject() throws XdpException {
        try (InputStream in = NativeXdp.class.getResourceAsStream(RESOURCES + PROGRAM)) {
            if (in == null) {
                throw new XdpException("the XDP program " + PROGRAM + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new XdpException("cannot read the XDP program: " + e.getMessage());
        }
    }

    private static @Nullable String resourceText(String name) {
        try (InputStream in = NativeXdp.class.getResourceAsStream(RESOURCES + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Opens, configures ({@code config}: a struct turn_xdp_config) and verifies the program; its handle. */
    static native long open(byte[] object, byte[] config, int maxEntries) throws XdpException;

    /** Attaches through a BPF link; the link's descriptor (closing it detaches). */
    static native int attach(long handle, int ifindex, boolean generic) throws XdpException;

    static native void detach(int link);

    static native void update(long handle, int table, byte[] key, byte[] value) throws XdpException;

    /** False when the key was not there. */
    static native boolean delete(long handle, int table, byte[] key) throws XdpException;

    static native int count(long handle, int table) throws XdpException;

    /** Summed over CPUs: to-peer packets, bytes, to-client packets, bytes, missed, unroutable. */
    static native long[] stats(long handle) throws XdpException;

    /** Runs the program once on {@code frame}; its verdict, the frame it left in {@code out}, its length in {@code outLength[0]}. */
    static native int testRun(long handle, byte[] frame, byte[] out, int[] outLength) throws XdpException;

    static native void close(long handle);
}
