package io.turnrelay.cli.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A process started by a test, its combined output captured in a file, destroyed on close. */
final class ExternalProcess implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String description;

    private ExternalProcess(Process process, Path output, String description) {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    static ExternalProcess start(List<String> command) throws IOException {
        Path output = Files.createTempFile("turnrelay-interop-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new ExternalProcess(process, output, String.join(" ", command));
    }

    /**
     * Skips the calling test class unless every one of {@code tools} is on the PATH; under CI ({@code CI=true}),
     * where .ci/run installs {@code debianPackages}, a missing tool fails it instead.
     */
    static void requireTools(String debianPackages, String... tools) {
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + " missing; .ci/run installs the Debian packages " + debianPackages);
        }
        Assumptions.assumeTrue(missing.isEmpty(), missing + " not installed (apt-get install " + debianPackages + ")");
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command} to completion (it must be bounded, e.g. by coreutils' timeout) and returns its result. */
    static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> bounded = new ArrayList<>(List.of("timeout", "-k", "5", Long.toString(timeoutSeconds)));
        bounded.addAll(command);
        try (ExternalProcess process = start(bounded)) {
            if (!process.process.waitFor(timeoutSeconds + 10, TimeUnit.SECONDS)) {
                throw new AssertionError("did not finish in " + timeoutSeconds + " s: " + process.description);
            }
            return new Result(process.process.exitValue(), process.output());
        }
    }

    /** What a finished command printed and returned. */
    record Result(int exitCode, String output) {}

    /** The process started (for {@code timeout ... cmd}, the timeout's). */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(output);
    }
}
