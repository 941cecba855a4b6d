package io.turnrelay.cli;

import io.turnrelay.api.ClientListener;
import io.turnrelay.api.tls.TlsCredentials;
import io.turnrelay.cli.portal.PortalSettings;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the standalone relay ({@code relay-cli}). Parses the command line and environment, starts the
 * relay, and runs until SIGTERM/SIGINT (exit 0), until a drain started by SIGUSR1 has no allocation left (exit 0), or
 * until the portal client gives up (exit 1); SIGHUP reloads the TLS certificate. A bad configuration exits 2 with one line on stderr that names the option.
 */
public final class RelayCli {
    static final int EXIT_OK = 0;
    static final int EXIT_PORTAL_FAILED = 1;
    static final int EXIT_BAD_CONFIGURATION = 2;

    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private volatile int exitStatus = EXIT_OK;

    RelayCli(Map<String, String> environment, PrintStream out, PrintStream err) {
        this.environment = environment;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        RelayCli cli = new RelayCli(System.getenv(), System.out, System.err);
        System.exit(cli.run(args));
    }

    /** Runs the relay until it is told to stop; returns the exit status (the JVM is halted before on SIGTERM). */
    int run(String[] args) {
        Parsed parsed = parse(args);
        if (parsed.exitStatus != null) {
            return parsed.exitStatus;
        }
        RelayOptions options = parsed.options;
        LogSetup.configure(options.logFormat);
        RunningRelay running;
        RelaySetup setup;
        try {
            setup = RelaySetup.from(options, environment, HostAddresses::firstUsableIpv4);
            running = RunningRelay.start(setup);
        } catch (ConfigurationException e) {
            return configurationError(e.getMessage());
        }
        LogSetup.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.stop();
            Logger log = LoggerFactory.getLogger(RelayCli.class);
            log.info("Stopped");
            LogSetup.stop();
            out.flush();
            err.flush();
            // A SIGTERM would otherwise end the JVM with 143; a stop the operator asked for is a success.
            Runtime.getRuntime().halt(exitStatus);
        }, "relay-shutdown"));
        reloadOnSighup(running, setup.relayConfig().tls() != null);
        drainOnSigusr1(running);
        announce(setup, running);
        running.startPortal();
        CompletableFuture.anyOf(running.fatal(), running.drained()).join();
        if (!running.fatal().isDone()) {
            // The shutdown hook closes what is left; a drain the operator asked for is a success.
            LoggerFactory.getLogger(RelayCli.class).info("Drained: no allocation left, stopping");
            return EXIT_OK;
        }
        String reason = running.fatal().join();
        exitStatus = EXIT_PORTAL_FAILED;
        LoggerFactory.getLogger(RelayCli.class).error("Stopping: the portal client gave up ({})", reason);
        return EXIT_PORTAL_FAILED;
    }

    /**
     * SIGHUP reloads the certificate files, as {@code systemctl reload} expects (without TLS it only logs). Next
     * to the shutdown hook that SIGTERM runs, it is the other signal the process reacts to; where the JVM will not
     * give SIGHUP up (e.g. {@code -Xrs}), the periodic file checks still run.
     */
    private static void reloadOnSighup(RunningRelay running, boolean tls) {
        try {
            Signals.handle("HUP", () -> running.reloadCertificate("SIGHUP"));
        } catch (IllegalStateException e) {
            if (tls) {
                LoggerFactory.getLogger(RelayCli.class).warn(
                        "SIGHUP cannot reload the certificate here ({}); the files are still checked every --tls-reload-interval", e.getMessage());
            }
        }
    }

    /**
     * SIGUSR1 drains the relay, as coturn's does: the way to take it out of a fleet without cutting calls. SIGTERM keeps
     * meaning "stop now". Where the JVM will not give SIGUSR1 up, draining is not available and a warning says so.
     */
    private static void drainOnSigusr1(RunningRelay running) {
        try {
            Signals.handle("USR1", () -> running.drain("SIGUSR1"));
        } catch (IllegalStateException e) {
            LoggerFactory.getLogger(RelayCli.class).warn("SIGUSR1 cannot start a drain here ({}); SIGTERM still stops the relay", e.getMessage());
        }
    }

    private void announce(RelaySetup setup, RunningRelay running) {
        Logger log = LoggerFactory.getLogger(RelayCli.class);
        var config = setup.relayConfig();
        log.info("turnrelay {} listening on {} (transport {}, {} worker(s)), relay ports {}-{}, public {}{}, realm '{}'{}",
                TurnrelayVersion.current(), listeners(running.relay().listeners()), running.relay().transportDescription(), config.workers(),
                config.lowestPort(), config.highestPort(), config.publicIpv4() == null ? "" : config.publicIpv4().getHostAddress(),
                config.publicIpv6() == null ? "" : " " + config.publicIpv6().getHostAddress(), config.realm(),
                config.tls() == null ? "" : ", " + certificate(config.tls()));
        if (running.xdp() != null) {
            log.info("Bound channels of UDP clients are relayed in the kernel: {}", running.xdp().description());
        }
        log.info("Operations endpoints on http://{}:{} (/healthz, /readyz, /metrics)",
                running.operations().address().getAddress().getHostAddress(), running.operations().address().getPort());
        PortalSettings portal = setup.portal();
        if (portal != null) {
            log.info("Connecting to the portal at {}{}", portal.apiUrl(), portal.name() == null ? "" : " as '" + portal.name() + "'");
        }
        for (String warning : setup.warnings()) {
            log.warn(warning);
        }
        OptionalLong fileLimit = FileDescriptorLimit.current();
        if (fileLimit.isPresent()) {
            String warning = FileDescriptorLimit.warning(fileLimit.getAsLong(), config.streams().maxConnections(),
                    config.highestPort() - config.lowestPort() + 1);
            if (warning != null) {
                log.warn(warning);
            }
        }
        RelaySetup.GeneratedUser user = setup.generatedUser();
        if (user != null) {
            log.info("Generated user '{}'; paste the next stdout line into a WebRTC iceServers entry", user.username());
            out.println(user.iceServerJson());
            out.flush();
        }
    }

    /** {@code udp 0.0.0.0:3478, tcp 0.0.0.0:3478, tls 0.0.0.0:5349}. */
    static String listeners(List<ClientListener> listeners) {
        return listeners.stream().map(ClientListener::toString).collect(Collectors.joining(", "));
    }

    /** {@code TLS certificate 'CN=turn.example.com' valid until 2026-09-01T12:00:00Z (certificate chain ... and private key ...)}. */
    static String certificate(TlsCredentials tls) {
        return "TLS certificate '" + tls.certificateChain().get(0).getSubjectX500Principal().getName() + "' valid until " + tls.notAfter()
                + " (" + tls.description() + ")";
    }

    /** The options, or the exit status when parsing already decided it (help, version, bad option). */
    record Parsed(@Nullable RelayOptions options, @Nullable Integer exitStatus) {}

    Parsed parse(String[] args) {
        RelayOptions options = new RelayOptions();
        CommandLine commandLine = commandLine(options, environment);
        PrintWriter outWriter = new PrintWriter(out, true, StandardCharsets.UTF_8);
        commandLine.setOut(outWriter);
        try {
            CommandLine.ParseResult result = commandLine.parseArgs(args);
            if (result.isUsageHelpRequested()) {
                commandLine.usage(outWriter);
                return new Parsed(null, EXIT_OK);
            }
            if (result.isVersionHelpRequested()) {
                commandLine.printVersionHelp(outWriter);
                return new Parsed(null, EXIT_OK);
            }
            return new Parsed(options, null);
        } catch (UnmatchedArgumentException e) {
            return new Parsed(null, configurationError(unmatched(e)));
        } catch (ParameterException e) {
            return new Parsed(null, configurationError(oneLine(e.getMessage())));
        }
    }

    /** Parses and checks without starting anything; for tests and dry runs. Returns the setup or the exit status. */
    Object check(String[] args, RelaySetup.AddressDetector detector) {
        Parsed parsed = parse(args);
        if (parsed.exitStatus != null) {
            return parsed.exitStatus;
        }
        try {
            return RelaySetup.from(parsed.options, environment, detector);
        } catch (ConfigurationException e) {
            return configurationError(e.getMessage());
        }
    }

    /** Names an unknown option without its value, and never echoes a stray argument: it may be a token. */
    private static String unmatched(UnmatchedArgumentException e) {
        List<String> unmatched = e.getUnmatched();
        String first = unmatched.isEmpty() ? "" : unmatched.get(0);
        if (first.startsWith("-")) {
            int equals = first.indexOf('=');
            return (equals < 0 ? first : first.substring(0, equals)) + ": unknown option";
        }
        return "unexpected argument (relay-cli takes options only; the portal token goes in FIREZONE_TOKEN)";
    }

    private int configurationError(@Nullable String message) {
        err.println("relay-cli: " + oneLine(message) + " (see relay-cli --help)");
        err.flush();
        return EXIT_BAD_CONFIGURATION;
    }

    private static String oneLine(@Nullable String message) {
        return message == null ? "invalid configuration" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * The picocli command line with environment defaults, and each option's description extended by its
     * environment variable so {@code --help} lists it.
     */
    static CommandLine commandLine(RelayOptions options, Map<String, String> environment) {
        CommandLine commandLine = new CommandLine(options);
        CommandSpec spec = commandLine.getCommandSpec();
        List<OptionSpec> originals = new ArrayList<>(spec.options());
        for (OptionSpec original : originals) {
            spec.remove(original);
        }
        for (OptionSpec original : originals) {
            String variable = EnvironmentDefaults.variableOf(original);
            if (variable == null) {
                spec.addOption(original);
                continue;
            }
            List<String> description = new ArrayList<>(List.of(original.description()));
            String defaultValue = original.defaultValue();
            description.add("Env: " + variable + (defaultValue == null ? "" : "; default: " + defaultValue) + ".");
            spec.addOption(OptionSpec.builder(original).description(description.toArray(new String[0])).build());
        }
        commandLine.setDefaultValueProvider(new EnvironmentDefaults(environment));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }
}
