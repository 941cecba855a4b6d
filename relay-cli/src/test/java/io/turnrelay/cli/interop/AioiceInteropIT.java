package io.turnrelay.cli.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import io.turnrelay.api.ClientTransport;
import io.turnrelay.cli.interop.TurnServerUnderTest.Setup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An independent Python TURN client over TCP and TLS: aioice (Debian package {@code python3-aioice}, for the
 * system interpreter /usr/bin/python3) allocates, sends messages of assorted lengths through the relay to a UDP
 * peer, gets each echo back and deletes its allocation (src/test/resources/interop/aioice_turn_roundtrip.py),
 * against relay-cli on both transports and against coturn's turnserver. Over TLS it trusts only the test CA and
 * checks the certificate's IP address. CI installs the package; elsewhere the suite is skipped when it is
 * missing (it fails instead when CI=true).
 */
@Execution(ExecutionMode.CONCURRENT)
class AioiceInteropIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int MESSAGES = 50;
    private static Path script;

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (ClientTransport transport : List.of(ClientTransport.TCP, ClientTransport.TLS)) {
            for (String server : TurnServerUnderTest.servers()) {
                runs.add(Arguments.of(server, transport));
            }
        }
        return runs.stream();
    }

    @BeforeAll
    static void findAioice() throws Exception {
        ExternalProcess.requireTools("coturn", "turnserver");
        boolean installed = Files.isExecutable(Path.of(PYTHON))
                && ExternalProcess.run(List.of(PYTHON, "-c", "import aioice.turn"), 20).exitCode() == 0;
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(PYTHON + " cannot import aioice; .ci/run installs the Debian package python3-aioice");
        }
        Assumptions.assumeTrue(installed, PYTHON + " cannot import aioice (apt-get install python3-aioice)");
        // In a directory of its own: Python puts the script's directory first on its module path, so a stray
        // dis.py or inspect.py beside a script in /tmp would shadow the standard library.
        script = Files.createTempDirectory("turnrelay-aioice-").resolve("aioice_turn_roundtrip.py");
        try (InputStream in = AioiceInteropIT.class.getResourceAsStream("/interop/aioice_turn_roundtrip.py")) {
            assertThat(in).as("the aioice script on the test class path").isNotNull();
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterAll
    static void deleteScript() throws IOException {
        if (script != null) {
            Files.deleteIfExists(script);
            Files.deleteIfExists(script.getParent());
        }
    }

    @ParameterizedTest(name = "aioice over {1} on {0}")
    @MethodSource("runs")
    void aioiceRelaysThroughTheServer(String server, ClientTransport transport) throws Exception {
        try (TurnServerUnderTest target = TurnServerUnderTest.start(server, Setup.OPEN, transport == ClientTransport.TLS)) {
            List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(),
                    "--host", "127.0.0.1", "--port", Integer.toString(target.port(transport)),
                    "--transport", transport.label(),
                    "--username", TurnServerUnderTest.USER, "--password", TurnServerUnderTest.PASSWORD,
                    "--messages", Integer.toString(MESSAGES)));
            if (transport == ClientTransport.TLS) {
                command.addAll(List.of("--cafile", TurnServerUnderTest.certificate().caPem().toString()));
            }
            ExternalProcess.Result result = ExternalProcess.run(command, 60);
            String description = String.format("aioice over %s against %s, exit %d:%n%s%nserver log tail:%n%s",
                    transport.label(), server, result.exitCode(), result.output(), target.logTail());
            assertThat(result.exitCode()).as(description).isZero();
            String json = result.output().lines().filter(line -> line.startsWith("{")).reduce((first, second) -> second).orElse("{}");
            Map<String, Object> seen = JSON.std.mapFrom(json);
            assertThat(seen).as(description)
                    .containsEntry("streamSocket", true)
                    .containsEntry("sent", MESSAGES)
                    .containsEntry("received", MESSAGES)
                    .containsEntry("sameBytes", true)
                    .containsEntry("peerReceived", MESSAGES);
            List<?> relayed = (List<?>) seen.get("relayed");
            assertThat(relayed.get(0)).as("relayed address; %s", description).isEqualTo("127.0.0.1");
            // The peer heard from the relayed address only, and the echoes came back as the peer's.
            assertThat(seen.get("peerSources")).as(description).isEqualTo(List.of(relayed));
            assertThat(seen.get("echoSources")).as(description).isEqualTo(List.of(seen.get("peer")));
            if (transport == ClientTransport.TLS) {
                assertThat(seen.get("tlsVersion")).as(description).isIn("TLSv1.2", "TLSv1.3");
            } else {
                assertThat(seen.get("tlsVersion")).as(description).isNull();
            }
            if (target.isOurs()) {
                String label = transport.label();
                assertThat(target.metric("turnrelay_relayed_packets_total{transport=\"" + label + "\",direction=\"client_to_peer\",datapath=\"userspace\"}"))
                        .as("relayed to the peer; %s", description).isEqualTo(MESSAGES);
                assertThat(target.metric("turnrelay_relayed_packets_total{transport=\"" + label + "\",direction=\"peer_to_client\",datapath=\"userspace\"}"))
                        .as("relayed back; %s", description).isEqualTo(MESSAGES);
            }
        }
    }
}
