package io.turnrelay.cli.interop;

import io.turnrelay.core.spi.LoopbackPorts;
import io.turnrelay.core.stun.StunClass;
import io.turnrelay.core.stun.StunMessageWriter;
import io.turnrelay.core.stun.StunMethod;
import io.turnrelay.core.stun.TransactionId;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TURN server process on loopback for interop runs: our relay-cli binary on a given transport, or coturn's
 * {@code turnserver}, configured alike: user ninefingers, realm turnrelay, IPv4 127.0.0.1 and IPv6 ::1.
 */
final class TurnServerUnderTest implements AutoCloseable {
    static final String USER = "ninefingers";
    static final String PASSWORD = "youhavetoberealistic";
    static final String REST_SECRET = "northsecret";
    static final Path RELAY_CLI = Path.of("target", "relay-cli", "bin", "relay-cli");

    /** How a server is set up; each kind of server gets the same setting its own way. */
    enum Setup {
        /** Static user and loopback peers allowed. */
        OPEN,
        /** TURN REST API credentials only, loopback peers allowed. */
        REST,
        /** Default peer policy: loopback peers are forbidden. */
        STRICT_POLICY,
        /** One allocation per user. */
        QUOTA_ONE,
        /** A single relay port. */
        ONE_PORT
    }

    final String kind;
    final int port;
    private final ExternalProcess process;

    private TurnServerUnderTest(String kind, int port, ExternalProcess process) {
        this.kind = kind;
        this.port = port;
        this.process = process;
    }

    /** {@code kind} is "coturn" or a transport name of ours ("nio", "netty"). */
    static TurnServerUnderTest start(String kind, Setup setup) throws Exception {
        int port = LoopbackPorts.freePort();
        int lowest = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
        int highest = setup == Setup.ONE_PORT ? lowest : lowest + 199;
        List<String> command = kind.equals("coturn") ? coturn(port, lowest, highest, setup) : ours(kind, port, lowest, highest, setup);
        ExternalProcess process = ExternalProcess.start(command);
        TurnServerUnderTest server = new TurnServerUnderTest(kind, port, process);
        server.awaitBindingAnswer();
        return server;
    }

    private static List<String> ours(String transport, int port, int lowest, int highest, Setup setup) throws IOException {
        if (!Files.isExecutable(RELAY_CLI)) {
            throw new AssertionError(RELAY_CLI.toAbsolutePath() + " is missing: the package phase builds it");
        }
        List<String> command = new ArrayList<>(List.of(RELAY_CLI.toString(),
                "--transport", transport,
                "--listen-port", Integer.toString(port),
                "--lowest-port", Integer.toString(lowest),
                "--highest-port", Integer.toString(highest),
                "--bind-ip4-addr", "127.0.0.1", "--public-ip4-addr", "127.0.0.1",
                "--bind-ip6-addr", "::1", "--public-ip6-addr", "::1",
                "--health-check-addr", "127.0.0.1:" + LoopbackPorts.freeTcpPort(),
                "--realm", "turnrelay",
                "--rfc5766-channel-numbers"));
        if (setup == Setup.REST) {
            command.addAll(List.of("--auth-secret", REST_SECRET));
        } else {
            command.addAll(List.of("--user", USER + ":" + PASSWORD));
        }
        if (setup != Setup.STRICT_POLICY) {
            command.add("--allow-loopback-peers");
        }
        // coturn sets no per-user quota unless asked; ours defaults to 10, too few for uclient -m 10 with RTCP.
        command.addAll(List.of("--user-quota", setup == Setup.QUOTA_ONE ? "1" : "1000"));
        return command;
    }

    private static List<String> coturn(int port, int lowest, int highest, Setup setup) {
        List<String> command = new ArrayList<>(List.of("turnserver", "-n",
                "--listening-port=" + port, "--listening-ip=127.0.0.1", "--listening-ip=::1",
                "--relay-ip=127.0.0.1", "--relay-ip=::1",
                "--min-port=" + lowest, "--max-port=" + highest,
                "--realm=turnrelay", "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log",
                "--pidfile=" + System.getProperty("java.io.tmpdir") + "/turnrelay-coturn-" + port + ".pid"));
        if (setup == Setup.REST) {
            command.addAll(List.of("--use-auth-secret", "--static-auth-secret=" + REST_SECRET));
        } else {
            command.addAll(List.of("--lt-cred-mech", "--user=" + USER + ":" + PASSWORD));
        }
        if (setup != Setup.STRICT_POLICY) {
            command.add("--allow-loopback-peers");
        }
        if (setup == Setup.QUOTA_ONE) {
            command.add("--user-quota=1");
        }
        return command;
    }

    /** Waits (bounded) until a STUN Binding request on the listen port is answered. */
    private void awaitBindingAnswer() throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            probe.setSoTimeout(200);
            ByteBuffer request = ByteBuffer.allocate(64);
            byte[] id = new byte[TransactionId.LENGTH];
            ThreadLocalRandom.current().nextBytes(id);
            int length = StunMessageWriter.start(request, StunClass.REQUEST, StunMethod.BINDING, TransactionId.of(id)).finish();
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError(kind + " exited at start:\n" + process.output());
                }
                probe.send(new DatagramPacket(request.array(), length, target));
                try {
                    probe.receive(new DatagramPacket(new byte[1500], 1500));
                    return;
                } catch (SocketTimeoutException e) {
                    // not listening yet: ask again
                }
            }
        }
        throw new AssertionError(kind + " did not answer a Binding request within 20 s:\n" + process.output());
    }

    String log() throws IOException {
        return process.output();
    }

    /** The last 2,000 characters of the server's output, for assertion messages. */
    String logTail() throws IOException {
        String log = log();
        return log.length() > 2000 ? log.substring(log.length() - 2000) : log;
    }

    @Override
    public void close() throws IOException {
        process.close();
    }
}
