package io.turnrelay.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnrelay.api.PeerAddressPolicy;
import io.turnrelay.api.RelayConfig;
import io.turnrelay.api.StaticUsersAuthenticator;
import io.turnrelay.core.relay.ShardedRelay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The generator end to end against our relay on loopback (NIO transport), at a small fixed rate. */
class TurnLoadTest {
    @Test
    void relaysEveryFrameOfASmallRunAndReportsTheRelayProcess() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int listenPort;
        try (DatagramSocket probe = new DatagramSocket(0, loopback)) {
            listenPort = probe.getLocalPort();
        }
        RelayConfig config = RelayConfig.builder()
                .transport("nio")
                .listenPort(listenPort)
                .bindIpv4(loopback)
                .publicIpv4(loopback)
                .portRange(47000, 47099)
                .authenticator(new StaticUsersAuthenticator(Map.of("alice", "s3cret")))
                .peerPolicy(PeerAddressPolicy.builder().allowLoopback(true).build())
                .build();
        try (ShardedRelay relay = ShardedRelay.create(config)) {
            relay.start();
            int port = listenPort;
            LoadOptions options = LoadOptions.parse(new String[] {
                "--port", Integer.toString(port), "--clients", "4", "--rate", "400", "--duration", "1", "--warmup", "0.3",
                "--client-base-port", "0", "--relay-pid", Long.toString(ProcessHandle.current().pid())});
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            int status = TurnLoad.run(options, new PrintStream(out, true, StandardCharsets.UTF_8));

            String line = out.toString(StandardCharsets.UTF_8).trim();
            assertThat(status).as(line).isZero();
            long sent = field(line, "sent");
            assertThat(sent).isBetween(360L, 440L);
            assertThat(field(line, "received")).isEqualTo(sent);
            assertThat(line).contains("clients=4", "loss_pct=0.0000", "relay_rss_kib=");
            assertThat(relay.stats().allocations()).as("Refresh(0) released every allocation").isZero();
        }
    }

    private static long field(String line, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=(\\d+)").matcher(line);
        assertThat(m.find()).as(name + " in " + line).isTrue();
        return Long.parseLong(m.group(1));
    }
}
