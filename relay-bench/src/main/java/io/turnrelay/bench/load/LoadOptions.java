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
              --port N             TURN server port: UDP, TCP or TLS as --client-transport says (3478)
              --client-transport udp|tcp|tls
                                   how clients reach the server (udp); tcp and tls: one connection per client,
                                   ChannelData padded to 4, frames read by their own lengths
              --tls-ca FILE        tls: trust the CA certificate(s) in this PEM file and check the server's IP in its SAN
              --tls-insecure       tls: trust any certificate (benchmarks against a throwaway certificate only)
              --tls-protocol P     tls: TLSv1.3 or TLSv1.2 only (default: both, the JDK's preference)
              --clients-per-ip N   tcp/tls on loopback: connections per source address, spread over 127.1.0.1 and up,
                                   so a relay's per-IP connection cap does not limit the run (32)
              --user NAME          long-term credential user (alice)
              --password PASS      its password (s3cret)
              --clients N          allocations, one UDP socket (or connection) and one channel each (100)
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
              --client-base-port N udp: first local port to bind clients to, 0 = ephemeral (12000); tcp/tls use ephemeral ports
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
    String clientTransport = "udp";
    @Nullable String tlsCa;
    boolean tlsInsecure;
    @Nullable String tlsProtocol;
    int clientsPerIp = 32;

    static LoadOptions parse(String[] args) {
        LoadOptions o = new LoadOptions();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                o.help = true;
                continue;
            }
            if (name.equals("--tls-insecure")) {
                o.tlsInsecure = true;
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
                case "--client-transport" -> o.clientTransport = v;
                case "--tls-ca" -> o.tlsCa = v;
                case "--tls-protocol" -> o.tlsProtocol = v;
                case "--clients-per-ip" -> o.clientsPerIp = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (o.clients < 1 || o.payload < 16 || o.payload > 1400 || o.rate < 0 || o.durationSeconds <= 0
                || o.durationSeconds > 120 || o.setupThreads < 1) {
            throw new IllegalArgumentException("out of range: clients >= 1, 16 <= payload <= 1400, rate >= 0, 0 < duration <= 120");
        }
        if (!o.clientTransport.equals("udp") && !o.clientTransport.equals("tcp") && !o.clientTransport.equals("tls")) {
            throw new IllegalArgumentException("--client-transport: udp, tcp or tls, not " + o.clientTransport);
        }
        if (o.clientTransport.equals("tls") && (o.tlsCa == null) == !o.tlsInsecure) {
            throw new IllegalArgumentException("--client-transport tls needs exactly one of --tls-ca FILE and --tls-insecure");
        }
        if (o.tlsProtocol != null && !o.tlsProtocol.equals("TLSv1.3") && !o.tlsProtocol.equals("TLSv1.2")) {
            throw new IllegalArgumentException("--tls-protocol: TLSv1.3 or TLSv1.2, not " + o.tlsProtocol);
        }
        if (o.clientsPerIp < 1) {
            throw new IllegalArgumentException("--clients-per-ip: at least 1");
        }
        return o;
    }

    boolean isStream() {
        return !clientTransport.equals("udp");
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
