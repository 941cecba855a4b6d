package io.turnrelay.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/** Command-line options of {@link TurnLoad}. */
final class LoadOptions {
    static final String USAGE = """
            usage: TurnLoad [options]
              --server IP          TURN server (127.0.0.1)
              --port N             TURN server UDP port (3478)
              --user NAME          long-term credential user (alice)
              --password PASS      its password (s3cret)
              --clients N          allocations, one UDP socket and one channel each (100)
              --payload BYTES      ChannelData payload, >= 16 (100)
              --rate PPS           total frames/s from the clients; 0 = closed loop at maximum rate (0)
              --duration SEC       measured window, at most 120 (10)
              --warmup SEC         traffic before the window, not counted (2)
              --max-packets N      end the window once this many frames were sent in it (50000000)
              --window N           closed loop: frames in flight per client (32)
              --max-inflight N     closed loop: cap on all frames in flight; window = min(window, N/clients) (1024)
              --timeout-ms MS      a frame not echoed by then is lost (1000)
              --peer IP:PORT       an external echo peer (default: one inside this process)
              --relay-pid PID      report the relay's CPU (utime+stime) and VmRSS from /proc
              --client-base-port N first local port to bind clients to, 0 = ephemeral (12000)
              --setup-threads N    threads doing Allocate/ChannelBind (8)
              --allowed-setup-failures N  go on without up to N clients whose Allocate/ChannelBind failed (0)
            """;

    boolean help;
    String server = "127.0.0.1";
    int port = 3478;
    String user = "alice";
    String password = "s3cret";
    int clients = 100;
    int payload = 100;
    int rate;
    double durationSeconds = 10;
    double warmupSeconds = 2;
    long maxPackets = 50_000_000;
    int window = 32;
    int maxInflight = 1024;
    int timeoutMillis = 1000;
    @Nullable InetSocketAddress peer;
    long relayPid;
    int clientBasePort = 12000;
    int setupThreads = 8;
    int allowedSetupFailures;

    static LoadOptions parse(String[] args) {
        LoadOptions o = new LoadOptions();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                o.help = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String v = args[++i];
            switch (name) {
                case "--server" -> o.server = v;
                case "--port" -> o.port = Integer.parseInt(v);
                case "--user" -> o.user = v;
                case "--password" -> o.password = v;
                case "--clients" -> o.clients = Integer.parseInt(v);
                case "--payload" -> o.payload = Integer.parseInt(v);
                case "--rate" -> o.rate = Integer.parseInt(v);
                case "--duration" -> o.durationSeconds = Double.parseDouble(v);
                case "--warmup" -> o.warmupSeconds = Double.parseDouble(v);
                case "--max-packets" -> o.maxPackets = Long.parseLong(v);
                case "--window" -> o.window = Integer.parseInt(v);
                case "--max-inflight" -> o.maxInflight = Integer.parseInt(v);
                case "--timeout-ms" -> o.timeoutMillis = Integer.parseInt(v);
                case "--peer" -> o.peer = address(v);
                case "--relay-pid" -> o.relayPid = Long.parseLong(v);
                case "--client-base-port" -> o.clientBasePort = Integer.parseInt(v);
                case "--setup-threads" -> o.setupThreads = Integer.parseInt(v);
                case "--allowed-setup-failures" -> o.allowedSetupFailures = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (o.clients < 1 || o.payload < 16 || o.payload > 1400 || o.rate < 0 || o.durationSeconds <= 0
                || o.durationSeconds > 120 || o.setupThreads < 1) {
            throw new IllegalArgumentException("out of range: clients >= 1, 16 <= payload <= 1400, rate >= 0, 0 < duration <= 120");
        }
        return o;
    }

    private static InetSocketAddress address(String value) {
        int colon = value.lastIndexOf(':');
        try {
            return new InetSocketAddress(InetAddress.getByName(value.substring(0, colon)), Integer.parseInt(value.substring(colon + 1)));
        } catch (UnknownHostException | RuntimeException e) {
            throw new IllegalArgumentException("--peer: expected IP:PORT, not " + value);
        }
    }
}
