package io.turnrelay.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** The packaged {@code bin/relay-cli} launcher running as a separate process, with its output collected line by line. */
final class LauncherProcess implements AutoCloseable {
    private static final List<String> INHERITED_VARIABLES_TO_DROP = List.of("FIREZONE_TOKEN", "FIREZONE_API_URL", "FIREZONE_NAME",
            "PUBLIC_IP4_ADDR", "PUBLIC_IP6_ADDR", "BIND_IP4_ADDR", "BIND_IP6_ADDR", "LISTEN_PORT", "LOWEST_PORT", "HIGHEST_PORT",
            "RNG_SEED", "LOG_FORMAT", "HEALTH_CHECK_ADDR", "JAVA_OPTS");

    final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final List<String> stderr = new ArrayList<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;

    private LauncherProcess(Process process) {
        this.process = process;
        this.stdoutReader = reader("stdout", process.getInputStream(), stdout::add);
        this.stderrReader = reader("stderr", process.getErrorStream(), line -> {
            synchronized (stderr) {
                stderr.add(line);
            }
        });
    }

    static Path launcher() {
        String path = System.getProperty("relayCli.launcher");
        if (path == null) {
            throw new IllegalStateException("relayCli.launcher is not set: run the *IT with maven-failsafe after package");
        }
        Path launcher = Path.of(path);
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException(launcher + " is missing or not executable");
        }
        return launcher;
    }

    /** Starts the launcher from an unrelated working directory, with {@code environment} on top of a cleaned-up inherited one. */
    static LauncherProcess start(List<String> args, Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(args);
        return launch(command, environment);
    }

    /** As {@link #start}, under a shell that first sets the open-file limit (soft and hard) to {@code limit}. */
    static LauncherProcess startWithOpenFileLimit(int limit, List<String> args, Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + limit + " && exec \"$0\" \"$@\"", launcher().toString()));
        command.addAll(args);
        return launch(command, environment);
    }

    private static LauncherProcess launch(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of(System.getProperty("java.io.tmpdir")).toFile());
        Map<String, String> env = builder.environment();
        INHERITED_VARIABLES_TO_DROP.forEach(env::remove);
        env.keySet().removeIf(name -> name.startsWith("TURNRELAY_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.putAll(environment);
        return new LauncherProcess(builder.start());
    }

    private static Thread reader(String name, InputStream stream, java.util.function.Consumer<String> sink) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process went away; what was read is kept
            }
        }, "relay-cli-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** The next stdout line, or null when none came within {@code timeout}. */
    @Nullable String nextStdoutLine(Duration timeout) throws InterruptedException {
        return stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the exit (bounded) and for both streams to be read to their end; null when still running. */
    @Nullable Integer awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        stdoutReader.join(2_000);
        stderrReader.join(2_000);
        return process.exitValue();
    }

    List<String> stderrLines() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** A UDP port nobody uses right now (the kernel's choice, so outside the relay ranges the tests pick). */
    static int freeUdpPort() throws SocketException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(wildcard(), 0))) {
            return socket.getLocalPort();
        }
    }

    /**
     * A port free for UDP and for TCP on the wildcard address right now (the relay listens on both by default),
     * the kernel's choice, so outside the relay ranges the tests pick.
     */
    static int freeUdpAndTcpPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(wildcard(), 0)); ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress(wildcard(), udp.getLocalPort()), 1);
                return udp.getLocalPort();
            } catch (java.net.BindException e) {
                // taken for TCP: another one
            }
        }
        throw new IOException("no port free for both UDP and TCP");
    }

    /** A TCP port free on the wildcard address right now (the kernel's choice). */
    static int freeTcpPort() throws IOException {
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(wildcard(), 0), 1);
            return tcp.getLocalPort();
        }
    }

    /** Sends {@code signal} (e.g. "HUP") to the process: the launcher execs the JVM, so that is the relay itself. */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed: " + output);
        }
    }

    private static InetAddress wildcard() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
