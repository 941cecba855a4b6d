#!/usr/bin/env bash
# Load benchmark: our relay (NIO, Netty) against coturn's turnserver, on loopback, one after another,
# with clients over UDP, TCP and TLS.
#
#   relay-bench/run-load.sh            # builds, then runs everything and prints one table
#   MODES="tcp tls" FULL_RANGE=0 relay-bench/run-load.sh      # TCP and TLS clients only
#
# Environment (all optional):
#   JAVA_HOME        JDK for the relays and the generator (default: JDK 17)
#   REPEATS          rounds; each round runs every server back to back; the table shows medians (3)
#   CLIENTS          allocations of the main runs (100)
#   DURATION         measured seconds per generator run, at most 120 (10)
#   WARMUP           seconds of traffic before each window (3; JVM relays need the JIT to settle)
#   RATE             frames/s of the fixed-rate latency run (20000)
#   FULL_RANGE       1 = also hold 16,000 allocations (one full port range) per server (1)
#   FULL_RATE        frames/s of the full-range run (4000)
#   SERVERS          which servers, in order ("nio netty coturn")
#   LAUNCHER         cli = relay-cli/target/relay-cli/bin/relay-cli, bench = io.turnrelay.bench.BenchRelayMain
#                    (default: cli when the module exists)
#   OUT              directory for logs and raw results (/tmp/turnrelay-load)
#   TURNLOAD_C       path of shared/tools/turnload.c; when gcc and OpenSSL's headers are there it is built
#                    and each round adds two fixed-rate runs with it (../shared/tools/turnload.c)
#   MODES            client transports to run, in order ("udp tcp tls"): udp = the runs above; tcp and tls =
#                    TurnLoad over TCP / TLS at maximum rate and at STREAM_RATE in every round, one connection
#                    per client, plus one hold run per transport and server after the rounds (below)
#   STREAM_CLIENTS   connections of the TCP/TLS runs (CLIENTS)
#   STREAM_RATE      frames/s of the TCP/TLS fixed-rate runs (RATE)
#   TLS_PROTOCOL     TLS version for every server (TLSv1.2: what coturn 4.6.1 here negotiates at most)
#   STREAM_HOLD      connections held per transport for heap and RSS per connection, each server started
#                    afresh for it (2000; 0 skips)
#   TLS_PORT         the servers' TLS port (3982); TCP shares LISTEN_PORT with UDP
# TLS uses a throwaway self-signed EC P-256 certificate for 127.0.0.1, made with openssl under $OUT/tls.
# Everything is bounded: each generator run by DURATION/packet caps and `timeout`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
REPEATS=${REPEATS:-3}
CLIENTS=${CLIENTS:-100}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
RATE=${RATE:-20000}
FULL_RANGE=${FULL_RANGE:-1}
FULL_RATE=${FULL_RATE:-4000}
SERVERS=${SERVERS:-"nio netty coturn"}
OUT=${OUT:-/tmp/turnrelay-load}
LISTEN_PORT=${LISTEN_PORT:-3978}
PEER_PORT=${PEER_PORT:-3980}
HEALTH_PORT=${HEALTH_PORT:-3981}
TLS_PORT=${TLS_PORT:-3982}
MODES=${MODES:-"udp tcp tls"}
STREAM_CLIENTS=${STREAM_CLIENTS:-$CLIENTS}
STREAM_RATE=${STREAM_RATE:-$RATE}
TLS_PROTOCOL=${TLS_PROTOCOL:-TLSv1.2}
STREAM_HOLD=${STREAM_HOLD:-2000}
# The main runs use a range of 1,000 ports; the full-range run uses 16,000. Clients bind from 12000 up,
# below Linux's ephemeral range, so they never take a relay port.
LOW=41000 HIGH=41999
FULL_LOW=40000 FULL_HIGH=55999 FULL_CLIENTS=16000
USER_NAME=alice PASSWORD=s3cret REALM=turnrelay
WORKERS=$(nproc)
MAX_PACKETS=${MAX_PACKETS:-5000000}

if [ -z "${LAUNCHER:-}" ]; then
  if [ -d "$ROOT/relay-cli" ]; then LAUNCHER=cli; else LAUNCHER=bench; fi
fi
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: > "$RESULTS"

java_major=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
RELAY_JAVA_OPTS="-Xmx256m"
if [ "${java_major:-17}" -ge 24 ]; then
  # Netty uses sun.misc.Unsafe and native access; JDK 24+ warns or refuses without these.
  RELAY_JAVA_OPTS="$RELAY_JAVA_OPTS --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
fi

# ---- build -------------------------------------------------------------------------------------
modules=relay-bench
[ "$LAUNCHER" = cli ] && modules=relay-bench,relay-cli
echo "== building $modules with $("$JAVA" -version 2>&1 | head -1)" >&2
(cd "$ROOT" && ./mvnw -B -q -DskipTests package -pl "$modules" -am) >&2
BENCH_JAR="$ROOT/relay-bench/target/benchmarks.jar"
CLI="$ROOT/relay-cli/target/relay-cli/bin/relay-cli"
# The independent C generator: the relays' tail without a second JVM's pauses in every RTT.
TURNLOAD_C=${TURNLOAD_C:-$ROOT/../shared/tools/turnload.c}
C_GENERATOR=""
if [ -f "$TURNLOAD_C" ] && gcc -O2 -o "$OUT/turnload" "$TURNLOAD_C" -lcrypto 2>> "$OUT/generator.log"; then
  C_GENERATOR="$OUT/turnload"
else
  echo "turnload.c not built (no $TURNLOAD_C, gcc or libssl-dev): skipping the C generator's runs" >&2
fi

has_mode() { case " $MODES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
STREAMS=0
if has_mode tcp || has_mode tls; then STREAMS=1; fi

# ---- TLS certificate (throwaway, self-signed, for 127.0.0.1) ------------------------------------
TLS_DIR="$OUT/tls"
if has_mode tls; then
  mkdir -p "$TLS_DIR"
  rm -f "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem"
  # PKCS#8 key (BEGIN PRIVATE KEY), as relay-cli, BenchRelayMain and coturn all read it.
  if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS_DIR/key.pem" \
      -out "$TLS_DIR/cert.pem" -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost -days 2 \
      > "$TLS_DIR/openssl.log" 2>&1; then
    echo "no test certificate (openssl failed, see $TLS_DIR/openssl.log): skipping the TLS runs" >&2
    MODES=$(echo " $MODES " | sed 's/ tls / /')
  fi
fi

# ---- limits ------------------------------------------------------------------------------------
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 40000 ]; then ulimit -n 40000; else ulimit -n "$hard"; fi
if [ "$FULL_RANGE" = 1 ] && [ "$(ulimit -n)" -lt $((FULL_CLIENTS + 500)) ]; then
  echo "fd limit $(ulimit -n) is below $((FULL_CLIENTS + 500)): skipping the full-range run" >&2
  FULL_RANGE=0
fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" > "$OUT/peer.log" 2>&1 &
PEER_PID=$!
PIDS+=("$PEER_PID")

wait_listening() {  # port: wait until a UDP socket listens on 127.0.0.1:port
  local hexport i
  hexport=$(printf '%04X' "$1")
  for i in $(seq 100); do
    grep -q ":$hexport 00000000:0000" /proc/net/udp 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on UDP $1" >&2
  return 1
}

wait_tcp_listening() {  # port: wait until a TCP socket listens (state 0A) on port
  local hexport i
  hexport=$(printf '%04X' "$1")
  for i in $(seq 100); do
    # IPv4 sockets in tcp; Netty's (IPv4-mapped IPv6) in tcp6, whose remote address is 32 zeros.
    grep -qE ":$hexport 0+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on TCP $1" >&2
  return 1
}

start_server() {  # name low high -> sets SERVER_PID
  local name=$1 low=$2 high=$3
  # TCP on the listen port and TLS on TLS_PORT when a TCP or TLS mode runs; the same certificate for every server.
  local coturn_streams=(--no-tcp --no-tls) our_streams=(--no-tcp)
  if [ "$STREAMS" = 1 ]; then coturn_streams=(--no-tls); our_streams=(); fi
  if has_mode tls; then
    coturn_streams=(--tls-listening-port "$TLS_PORT" --cert "$TLS_DIR/cert.pem" --pkey "$TLS_DIR/key.pem")
    our_streams=(--tls-listen-port "$TLS_PORT" --tls-cert "$TLS_DIR/cert.pem" --tls-key "$TLS_DIR/key.pem")
  fi
  case $name in
    coturn)
      turnserver -n -L 127.0.0.1 -E 127.0.0.1 -p "$LISTEN_PORT" --min-port "$low" --max-port "$high" \
        -a -f -r "$REALM" -u "$USER_NAME:$PASSWORD" --allow-loopback-peers --relay-threads="$WORKERS" \
        "${coturn_streams[@]}" --no-dtls --no-cli --pidfile "$OUT/coturn.pid" \
        --log-file stdout --simple-log > "$OUT/server-$name.log" 2>&1 &
      ;;
    nio|netty)
      if [ "$LAUNCHER" = cli ]; then
        JAVA_OPTS="$RELAY_JAVA_OPTS" "$CLI" --transport "$name" --listen-port "$LISTEN_PORT" \
          --lowest-port "$low" --highest-port "$high" --bind-ip4-addr 127.0.0.1 --public-ip4-addr 127.0.0.1 \
          --user "$USER_NAME:$PASSWORD" --realm "$REALM" --allow-loopback-peers --user-quota 100000 \
          --allowed-peer-ip 127.0.0.1/32 --rfc5766-channel-numbers "${our_streams[@]}" \
          --health-check-addr "127.0.0.1:$HEALTH_PORT" --workers "$WORKERS" > "$OUT/server-$name.log" 2>&1 &
      else
        # shellcheck disable=SC2086
        "$JAVA" $RELAY_JAVA_OPTS -cp "$BENCH_JAR" io.turnrelay.bench.BenchRelayMain --transport "$name" \
          --listen-port "$LISTEN_PORT" --lowest-port "$low" --highest-port "$high" --bind-ip4-addr 127.0.0.1 \
          --user "$USER_NAME:$PASSWORD" --realm "$REALM" --workers "$WORKERS" --rfc5766-channel-numbers "${our_streams[@]}" \
          > "$OUT/server-$name.log" 2>&1 &
      fi
      ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  # Every listener a run uses answers before the run starts.
  wait_listening "$LISTEN_PORT"
  if has_mode tcp; then wait_tcp_listening "$LISTEN_PORT"; fi
  if has_mode tls; then wait_tcp_listening "$TLS_PORT"; fi
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  # A JVM out of heap may never finish its shutdown hooks: 20 s, then SIGKILL.
  local i
  for i in $(seq 200); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  # The next server needs the listen port free.
  local hexport i
  hexport=$(printf '%04X' "$LISTEN_PORT")
  for i in $(seq 50); do
    grep -q ":$hexport 00000000:0000" /proc/net/udp 2>/dev/null || return 0
    sleep 0.1
  done
}

turnload() {  # tag server extra-args... : one Java generator run, result line appended to RESULTS
  local tag=$1 server=$2; shift 2
  local line
  # shellcheck disable=SC2068
  line=$(timeout 300 "$JAVA" -cp "$BENCH_JAR" io.turnrelay.bench.load.TurnLoad --port "$LISTEN_PORT" \
    --user "$USER_NAME" --password "$PASSWORD" --peer "127.0.0.1:$PEER_PORT" --relay-pid "$SERVER_PID" \
    --payload 100 --warmup "$WARMUP" --duration "$DURATION" --max-packets "$MAX_PACKETS" "$@" \
    2>> "$OUT/generator.log" | tail -1) || true
  echo "$tag server=$server ${line#turnload-java: }" | tee -a "$RESULTS" >&2
}

stream_turnload() {  # tag server tcp|tls extra-args... : one TurnLoad run over TCP or TLS
  local tag=$1 server=$2 transport=$3; shift 3
  local port=$LISTEN_PORT tls=()
  if [ "$transport" = tls ]; then port=$TLS_PORT tls=(--tls-ca "$TLS_DIR/cert.pem" --tls-protocol "$TLS_PROTOCOL"); fi
  turnload "$tag" "$server" --client-transport "$transport" --port "$port" "${tls[@]}" "$@"
}

c_turnload() {  # tag server: one turnload.c run at RATE, 8 s after a 3 s warm-up, result line appended to RESULTS
  local tag=$1 server=$2 line
  [ -n "$C_GENERATOR" ] || return 0
  line=$(timeout 120 "$C_GENERATOR" -s 127.0.0.1 -p "$LISTEN_PORT" -u "$USER_NAME" -w "$PASSWORD" -e 127.0.0.1 \
    -r "$PEER_PORT" -c "$CLIENTS" -l 100 -W 3 -d 8 -R "$RATE" -P "$SERVER_PID" 2>> "$OUT/generator.log" | tail -1) || true
  echo "$tag server=$server ${line#turnload: }" | tee -a "$RESULTS" >&2
}

uclient() {  # server: coturn's turnutils_uclient as a second, independent generator
  local server=$1 start end out sent recv lost rtt
  start=$(date +%s.%N)
  out=$(timeout 120 turnutils_uclient -u "$USER_NAME" -w "$PASSWORD" -p "$LISTEN_PORT" -e 127.0.0.1 -r "$PEER_PORT" \
    -m 50 -n 2000 -l 100 -z 1 -c 127.0.0.1 2>&1) || true
  end=$(date +%s.%N)
  echo "$out" > "$OUT/uclient-$server.log"
  sent=$(echo "$out" | sed -n 's/.*tot_send_msgs=\([0-9]*\).*/\1/p' | tail -1)
  recv=$(echo "$out" | sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' | tail -1)
  lost=$(echo "$out" | sed -n 's/.*Total lost packets \([0-9]*\) (\([0-9.]*\)%).*/\2/p' | tail -1)
  rtt=$(echo "$out" | sed -n 's/.*Average round trip delay \([0-9.]*\) ms.*/\1/p' | tail -1)
  echo "uclient server=$server sent=${sent:-0} received=${recv:-0} loss_pct=${lost:-100} avg_rtt_ms=${rtt:-NA} wall_s=$(awk "BEGIN { printf \"%.2f\", $end - $start }")" \
    | tee -a "$RESULTS" >&2
}

heap_used_kib() {  # pid: heap in use after a full GC, from jcmd
  "$JAVA_HOME/bin/jcmd" "$1" GC.run > /dev/null 2>&1 || true
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | sed -n 's/.*total \([0-9]*\)K, used \([0-9]*\)K.*/\2/p' | head -1
}

# ---- main runs: every server back to back, REPEATS rounds ---------------------------------------
for round in $(seq "$REPEATS"); do
  for server in $SERVERS; do
    echo "== round $round: $server" >&2
    start_server "$server" $LOW $HIGH
    if has_mode udp; then
      # First seconds of a fresh process (a JVM relay is still compiling), then the same after ~30 s of traffic.
      c_turnload cold "$server"
      turnload max "$server" --clients "$CLIENTS" --rate 0 --client-base-port $((12000 + round * 200))
      turnload rate "$server" --clients "$CLIENTS" --rate "$RATE" --client-base-port $((12000 + round * 200 + 100))
      c_turnload warm "$server"
      uclient "$server"
    fi
    for transport in tcp tls; do
      has_mode "$transport" || continue
      stream_turnload "$transport-max" "$server" "$transport" --clients "$STREAM_CLIENTS" --rate 0
      stream_turnload "$transport-rate" "$server" "$transport" --clients "$STREAM_CLIENTS" --rate "$STREAM_RATE"
    done
    stop_server
  done
done

per_conn() {  # KiB before, KiB after: bytes per held connection, or NA
  awk -v a="$1" -v b="$2" -v n="$STREAM_HOLD" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "") print "NA"; else printf "%.0f", (b - a) * 1024 / n }'
}

# ---- TCP/TLS hold: STREAM_HOLD idle-ish connections per transport, heap and RSS per connection -------
if [ "$STREAMS" = 1 ] && [ "$STREAM_HOLD" -gt 0 ]; then
  for transport in tcp tls; do
    has_mode "$transport" || continue
    for server in $SERVERS; do
      echo "== hold $STREAM_HOLD $transport connections: $server" >&2
      start_server "$server" $FULL_LOW $FULL_HIGH
      port=$LISTEN_PORT tls=()
      if [ "$transport" = tls ]; then port=$TLS_PORT tls=(--tls-ca "$TLS_DIR/cert.pem" --tls-protocol "$TLS_PROTOCOL"); fi
      # Two clients first, so the baseline already holds what the first connection loads (TLS tables, classes).
      timeout 60 "$JAVA" -cp "$BENCH_JAR" io.turnrelay.bench.load.TurnLoad --port "$port" --client-transport "$transport" \
        "${tls[@]}" --user "$USER_NAME" --password "$PASSWORD" --peer "127.0.0.1:$PEER_PORT" --clients 2 --rate 100 \
        --warmup 0.2 --duration 0.5 > /dev/null 2>> "$OUT/generator.log" || true
      heap0=NA
      if [ "$server" != coturn ]; then heap0=$(heap_used_kib "$SERVER_PID"); fi
      rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
      : > "$OUT/hold-$transport-$server.err"
      timeout 400 "$JAVA" -cp "$BENCH_JAR" io.turnrelay.bench.load.TurnLoad --port "$port" --client-transport "$transport" \
        "${tls[@]}" --user "$USER_NAME" --password "$PASSWORD" --peer "127.0.0.1:$PEER_PORT" --relay-pid "$SERVER_PID" \
        --clients "$STREAM_HOLD" --rate 1000 --warmup "$WARMUP" --duration 5 --setup-threads 4 \
        > "$OUT/hold-$transport-$server.out" 2> "$OUT/hold-$transport-$server.err" &
      GEN_PID=$!
      # Heap and RSS are read once every connection holds its allocation (inside the warmup).
      for i in $(seq 1600); do
        grep -q '^setup:' "$OUT/hold-$transport-$server.err" && break
        kill -0 "$GEN_PID" 2>/dev/null || break
        sleep 0.25
      done
      heap1=NA
      if [ "$server" != coturn ]; then heap1=$(heap_used_kib "$SERVER_PID"); fi
      rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
      wait "$GEN_PID" || true
      line=$(tail -1 "$OUT/hold-$transport-$server.out")
      echo "hold-$transport server=$server ${line#turnload-java: } heap_base_kib=$heap0 heap_held_kib=$heap1 rss_base_kib=$rss0 rss_held_kib=$rss1 heap_bytes_per_conn=$(per_conn "$heap0" "$heap1") rss_bytes_per_conn=$(per_conn "$rss0" "$rss1")" \
        | tee -a "$RESULTS" >&2
      grep -E 'setup|continuing' "$OUT/hold-$transport-$server.err" >&2 || true
      stop_server
    done
  done
fi

# ---- full range: 16,000 concurrent allocations, low rate, relay heap ------------------------------
if [ "$FULL_RANGE" = 1 ] && has_mode udp; then
  for server in $SERVERS; do
    echo "== full range: $server" >&2
    start_server "$server" $FULL_LOW $FULL_HIGH
    : > "$OUT/full-$server.err"
    timeout 400 "$JAVA" -cp "$BENCH_JAR" io.turnrelay.bench.load.TurnLoad --port "$LISTEN_PORT" \
      --user "$USER_NAME" --password "$PASSWORD" --peer "127.0.0.1:$PEER_PORT" --relay-pid "$SERVER_PID" \
      --clients "$FULL_CLIENTS" --rate "$FULL_RATE" --warmup "$WARMUP" --duration "$DURATION" \
      --client-base-port 12000 --setup-threads 8 --allowed-setup-failures 320 \
      > "$OUT/full-$server.out" 2> "$OUT/full-$server.err" &
    GEN_PID=$!
    heap=NA
    # Heap is read once every allocation is set up and traffic flows (inside the warmup).
    for i in $(seq 1200); do
      grep -q '^setup:' "$OUT/full-$server.err" && break
      kill -0 "$GEN_PID" 2>/dev/null || break
      sleep 0.25
    done
    sleep 1
    if [ "$server" != coturn ]; then heap=$(heap_used_kib "$SERVER_PID"); fi
    wait "$GEN_PID" || true
    line=$(tail -1 "$OUT/full-$server.out")
    echo "full server=$server ${line#turnload-java: } heap_used_kib=${heap:-NA}" | tee -a "$RESULTS" >&2
    grep -E 'setup|continuing' "$OUT/full-$server.err" >&2 || true
    stop_server
  done
fi

# ---- table -------------------------------------------------------------------------------------
python3 - "$RESULTS" "$SERVERS" <<'EOF'
import re, sys, statistics as st
results, servers = sys.argv[1], sys.argv[2].split()
rows = {}
for line in open(results):
    f = line.split()
    if len(f) < 2:
        continue
    kv = dict(re.findall(r'(\w+)=([^\s]+)', line))
    rows.setdefault((f[0], kv.get('server')), []).append(kv)

def med(tag, server, key):
    vals = []
    for kv in rows.get((tag, server), []):
        try:
            vals.append(float(kv[key]))
        except (KeyError, ValueError):
            pass
    return st.median(vals) if vals else None

def fmt(v, digits=0):
    return 'NA' if v is None else f'{v:,.{digits}f}'

def ratio(v, ref):
    return 'NA' if v is None or not ref else f'{v / ref:.2f}'

cols = [
    ('max', 'echo_pps', 'max-rate echoes/s', 0),
    ('max', 'loss_pct', 'max-rate loss %', 3),
    ('max', 'cpu_s_per_mpkt', 'max-rate CPU s/Mpkt', 2),
    ('rate', 'loss_pct', 'fixed-rate loss %', 3),
    ('rate', 'p50_us', 'fixed-rate p50 µs', 0),
    ('rate', 'p99_us', 'fixed-rate p99 µs', 0),
    ('rate', 'p999_us', 'fixed-rate p99.9 µs', 0),
    ('rate', 'cpu_s_per_mpkt', 'fixed-rate CPU s/Mpkt', 2),
    ('rate', 'relay_rss_kib', 'RSS MiB', 1),
    ('cold', 'p50_us', 'turnload.c fresh process p50 µs', 0),
    ('cold', 'p99_us', 'turnload.c fresh process p99 µs', 0),
    ('cold', 'p999_us', 'turnload.c fresh process p99.9 µs', 0),
    ('warm', 'loss_pct', 'turnload.c warm loss %', 3),
    ('warm', 'p50_us', 'turnload.c warm p50 µs', 0),
    ('warm', 'p99_us', 'turnload.c warm p99 µs', 0),
    ('warm', 'p999_us', 'turnload.c warm p99.9 µs', 0),
    ('warm', 'cpu_us_per_pkt', 'turnload.c warm CPU µs/pkt', 1),
    ('uclient', 'loss_pct', 'uclient loss %', 3),
    ('uclient', 'wall_s', 'uclient wall s', 2),
    ('uclient', 'avg_rtt_ms', 'uclient avg RTT ms', 2),
    ('full', 'p50_us', '16k allocs p50 µs', 0),
    ('full', 'p99_us', '16k allocs p99 µs', 0),
    ('full', 'loss_pct', '16k allocs loss %', 3),
    ('full', 'relay_rss_kib', '16k allocs RSS MiB', 1),
    ('full', 'heap_used_kib', '16k allocs heap MiB', 1),
]
for t in ('tcp', 'tls'):
    T = t.upper()
    cols += [
        (f'{t}-max', 'relayed_pps', f'{T} max rate: relayed pkt/s', 0),
        (f'{t}-max', 'loss_pct', f'{T} max rate: loss %', 3),
        (f'{t}-max', 'cpu_s_per_mpkt', f'{T} max rate: CPU s/Mpkt', 2),
        (f'{t}-max', 'gen_cpu_s', f'{T} max rate: generator CPU s', 2),
        (f'{t}-rate', 'loss_pct', f'{T} fixed rate: loss %', 3),
        (f'{t}-rate', 'p50_us', f'{T} fixed rate: p50 µs', 0),
        (f'{t}-rate', 'p99_us', f'{T} fixed rate: p99 µs', 0),
        (f'{t}-rate', 'p999_us', f'{T} fixed rate: p99.9 µs', 0),
        (f'{t}-rate', 'cpu_s_per_mpkt', f'{T} fixed rate: CPU s/Mpkt', 2),
        (f'{t}-rate', 'relay_rss_kib', f'{T} fixed rate: RSS MiB', 1),
        (f'hold-{t}', 'heap_bytes_per_conn', f'{T} held: heap B/connection', 0),
        (f'hold-{t}', 'rss_bytes_per_conn', f'{T} held: RSS B/connection', 0),
    ]
ref = 'coturn' if 'coturn' in servers else None
print('| metric (median of rounds) | ' + ' | '.join(servers) + (' | ' + ' | '.join(f'{s}/coturn' for s in servers if s != 'coturn') if ref else '') + ' |')
print('|---' * (1 + len(servers) + (len(servers) - 1 if ref else 0)) + '|')
for tag, key, label, digits in cols:
    vals = {s: med(tag, s, key) for s in servers}
    if all(v is None for v in vals.values()):
        continue  # a mode that did not run
    if key.endswith('_kib'):
        vals = {s: (v / 1024 if v is not None else None) for s, v in vals.items()}
    cells = [fmt(vals[s], digits) for s in servers]
    if ref:
        cells += [ratio(vals[s], vals[ref]) for s in servers if s != ref]
    print(f'| {label} | ' + ' | '.join(cells) + ' |')
print()
print(f'raw results: {results}')
EOF
