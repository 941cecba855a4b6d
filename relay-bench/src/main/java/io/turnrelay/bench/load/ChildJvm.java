package io.turnrelay.bench.load;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A JVM started on this JVM's class path, with enough file descriptors: when this process's hard limit is below what
 * the child needs, the child is started through {@code prlimit --nofile=N:N} (util-linux; raising a hard limit needs
 * root or CAP_SYS_RESOURCE). A JVM raises its soft limit to the hard one by itself at start. Its stdout is read line
 * by line, its stderr goes to a file, and {@link #close} ends it (stdin closed first, then destroy).
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BufferedReader stdout;
    private final BufferedWriter stdin;
    private final Path stderr;

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    /** Starts {@code mainClass} with {@code args}, {@code jvmOptions} and at least {@code fileDescriptors} descriptors. */
    static ChildJvm start(long fileDescriptors, List<String> jvmOptions, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        long hard = hardFileLimit();
        if (hard >= 0 && hard < fileDescriptors) {
            command.addAll(List.of("prlimit", "--nofile=" + fileDescriptors + ":" + fileDescriptors, "--"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        Path stderr = Files.createTempFile("turnrelay-child-", ".err");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new ChildJvm(process, stderr);
    }

    /** This process's hard limit on open files from /proc/self/limits; -1 when it cannot be read (unlimited: max). */
    static long hardFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                    return fields[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(fields[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: leave the limit alone.
        }
        return -1;
    }

    /** The next line of stdout, or null at its end. */
    @Nullable String readLine() throws IOException {
        return stdout.readLine();
    }

    /** The next line of stdout that starts with {@code prefix} (others are skipped); fails at the end of stdout. */
    String readLineStartingWith(String prefix) throws IOException {
        for (String line; (line = stdout.readLine()) != null; ) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("the child ended without a line starting with '" + prefix + "'; its stderr: " + stderrTail());
    }

    /** Sends one line to stdin. */
    void send(String line) throws IOException {
        stdin.write(line);
        stdin.newLine();
        stdin.flush();
    }

    long pid() {
        return process.pid();
    }

    String stderrTail() {
        try {
            List<String> lines = Files.readAllLines(stderr);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Closes stdin (the child's cue to stop), waits up to 10 s, then destroys it. */
    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // Already gone.
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(stderr);
        } catch (IOException ignored) {
            // A temp file.
        }
    }
}
