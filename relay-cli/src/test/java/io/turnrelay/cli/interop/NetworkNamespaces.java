package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The three hosts of relay-bench/netns-topology.sh (a client, a peer and the relay, each in a network namespace of
 * its own, behind a router namespace), plus a link from the test's own namespace, so its sockets reach the relay.
 * The router's end of the relay's link runs relay-xdp's xdp_pass program, as native XDP on veth needs.
 */
final class NetworkNamespaces implements AutoCloseable {
    static final String CLIENT = "client";
    static final String PEER = "peer";
    static final String RELAY = "relay";
    static final String RELAY_IP4 = "198.18.3.2";
    static final String RELAY_IP6 = "2001:db8:3::2";
    static final String PEER_IP4 = "198.18.2.2";
    static final String PEER_IP6 = "2001:db8:2::2";
    /** The test's own address on its link to the router. */
    static final String HOST_IP4 = "198.18.4.2";

    private static final Path SCRIPT = Path.of("..", "relay-bench", "netns-topology.sh");

    private final String prefix;
    private final Path passProgram;

    private NetworkNamespaces(String prefix, Path passProgram) {
        this.prefix = prefix;
        this.passProgram = passProgram;
    }

    /**
     * Creates the namespaces {@code prefix}client, ...peer, ...relay, ...router; skips the calling test class when
     * this is not root (CI runs as root and fails instead).
     */
    static NetworkNamespaces create(String prefix) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("the network namespace tests need root");
        }
        Assumptions.assumeTrue(root, "network namespaces need root");
        Path passProgram = Files.createTempFile("turnrelay-xdp-pass-", ".bpf.o");
        try (InputStream in = NetworkNamespaces.class.getResourceAsStream("/io/turnrelay/xdp/xdp_pass.bpf.o")) {
            assertThat(in).as("xdp_pass.bpf.o in relay-xdp's jar").isNotNull();
            Files.copy(in, passProgram, StandardCopyOption.REPLACE_EXISTING);
        }
        NetworkNamespaces namespaces = new NetworkNamespaces(prefix, passProgram);
        ExternalProcess.Result up = ExternalProcess.run(List.of("env", "HOST_LINK=1", "XDP_PASS_OBJECT=" + passProgram,
                "bash", SCRIPT.toString(), "up", prefix), 60);
        if (up.exitCode() != 0) {
            namespaces.close();
            throw new AssertionError("netns-topology.sh up failed:\n" + up.output());
        }
        return namespaces;
    }

    /** {@code command} run inside namespace {@code host} (CLIENT, PEER, RELAY). */
    List<String> in(String host, List<String> command) {
        List<String> inside = new ArrayList<>(List.of("ip", "netns", "exec", prefix + host));
        inside.addAll(command);
        return inside;
    }

    /** {@code command} run inside {@code host} with the capabilities {@code dropped} (e.g. "bpf") taken away. */
    List<String> withoutCapabilities(String host, String dropped, List<String> command) {
        List<String> reduced = new ArrayList<>(List.of("setpriv", "--bounding-set=" + dropped, "--"));
        reduced.addAll(command);
        return in(host, reduced);
    }

    /** What {@code ip link show eth0} says in {@code host}, e.g. whether an XDP program is attached ("prog/xdp"). */
    String link(String host) throws IOException, InterruptedException {
        return ExternalProcess.run(in(host, List.of("ip", "-d", "link", "show", "eth0")), 10).output();
    }

    @Override
    public void close() throws IOException {
        try {
            ExternalProcess.run(List.of("bash", SCRIPT.toString(), "down", prefix), 60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(passProgram);
        }
    }
}
