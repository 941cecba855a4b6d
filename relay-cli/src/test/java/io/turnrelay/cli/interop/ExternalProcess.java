package io.turnrelay.cli.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
