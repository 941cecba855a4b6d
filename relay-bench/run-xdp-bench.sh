#!/usr/bin/env bash
# XDP benchmark: coturn, our relay in userspace, and our relay with its XDP data plane in native and in generic
# mode, in alternating rounds, between three hosts in network namespaces (netns-topology.sh), all driven by the
# independent shared/tools/turnload.c. Needs root, clang, gcc, libssl-dev, coturn, and relay-cli built
# (./mvnw -q package -DskipTests -pl relay-cli -am).
#
#   relay-bench/run-xdp-bench.sh                 # everything, then one table
#   ROUNDS=1 DURATION=5 relay-bench/run-xdp-bench.sh
#
# Environment (all optional):
#   ROUNDS       rounds; each runs every server back to back; the table shows medians (3)
#   SERVERS      in order ("coturn userspace xdp-native xdp-generic")
#   CLIENTS      allocations (50), spread over GENERATORS turnload processes (2, one pinned to each core);
#                PAYLOAD bytes per ChannelData (100)
#   WINDOW       packets in flight per generator at the maximum rate (turnload -I; 256): veth's rings hold 256 frames,
#                so deeper windows only queue, and under XDP overflow a ring now and then
#   DURATION     measured seconds per run (10); every server first gets a discarded 3 s warm-up run
#   RATE         packets/s of the fixed-rate run (20000)
#   FLOOD_RATE   garbage datagrams/s onto the listen port during the flood runs (300000); 0 skips them
#   FLOOD_SERVERS which servers get the flood run ("coturn userspace xdp-native")
#   FLOODERS     udpflood processes sharing FLOOD_RATE, one pinned to each core (2): one alone reaches about 140k/s here
#   OUT          logs and raw results (/tmp/turnrelay-xdp-bench)
#   TURNLOAD_C   (../shared/tools/turnload.c)
#   BPF_STATS    1: also print what each XDP program costs per run (kernel.bpf_stats_enabled, which itself adds
#                two clock reads per run: use it for the breakdown, not for the table)
#
# What is measured, per run: echoes/s (each echo is two relayed datagrams: client to peer and back), loss, p50/p99
# round trip (the generators' mean p50 and worst p99), the relay process's CPU per echo (utime+stime from
# /proc/PID/stat), and the whole machine's CPU per echo: busy jiffies of /proc/stat (user, system, irq and softirq
# of every core, so the kernel's packet work counts wherever it runs) over the run, divided by the echoes.
# The network costs the machine as little as it can, as a real network would cost the relay's host nothing: the
# router forwards in XDP (xdp_router.bpf.o, the kernel's routes through bpf_fib_lookup, then bpf_redirect) and the
# peer echoes in XDP (xdp_echo.bpf.o). Redirected frames reach a veth only where its end runs XDP or NAPI, so the
# client's eth0 runs xdp_pass.bpf.o and the relay's has GRO on (NAPI), whatever the relay attaches to it.
# What is left on the machine is the relay, the generators and those XDP programs.
# Everything is bounded: each turnload run by -d and `timeout`, the flood by its duration.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
SERVERS=${SERVERS:-"coturn userspace xdp-native xdp-generic"}
CLIENTS=${CLIENTS:-50}
GENERATORS=${GENERATORS:-2}
WINDOW=${WINDOW:-256}
PAYLOAD=${PAYLOAD:-100}
DURATION=${DURATION:-10}
RATE=${RATE:-20000}
FLOOD_RATE=${FLOOD_RATE:-300000}
FLOOD_SERVERS=${FLOOD_SERVERS:-"coturn userspace xdp-native"}
FLOODERS=${FLOODERS:-2}
OUT=${OUT:-/tmp/turnrelay-xdp-bench}
TURNLOAD_C=${TURNLOAD_C:-$ROOT/../shared/tools/turnload.c}
P=tqb
RELAY=198.18.3.2 PEER=198.18.2.2 PORT=3478 PEER_PORT=3480
USER_NAME=alice PASSWORD=s3cret REALM=turnrelay
CLI=$ROOT/relay-cli/target/relay-cli/bin/relay-cli
XDP_CLASSES=$ROOT/relay-xdp/target/classes/io/turnrelay/xdp

[ "$(id -u)" = 0 ] || { echo "run-xdp-bench.sh needs root (network namespaces, XDP)" >&2; exit 2; }
[ -x "$CLI" ] || { echo "build relay-cli first: ./mvnw -q package -DskipTests -pl relay-cli -am" >&2; exit 2; }
[ -f "$XDP_CLASSES/xdp_pass.bpf.o" ] || { echo "relay-xdp was built without XDP (no clang?)" >&2; exit 2; }
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

gcc -O2 -o "$OUT/turnload" "$TURNLOAD_C" -lcrypto
gcc -O2 -o "$OUT/udpflood" "$ROOT/relay-bench/src/main/c/udpflood.c"
for program in xdp_echo xdp_router; do
  clang -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" -c "$ROOT/relay-bench/src/main/c/$program.bpf.c" -o "$OUT/$program.bpf.o"
done
PASS=$XDP_CLASSES/xdp_pass.bpf.o

SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  pkill -f "$OUT/udpflood" 2>/dev/null || true
  "$ROOT/relay-bench/netns-topology.sh" down "$P"
}
trap cleanup EXIT

RELAY_TX_OFF=1 "$ROOT/relay-bench/netns-topology.sh" up "$P"
for l in rc rp rr; do
  ip netns exec "${P}router" sysctl -qw "net.ipv4.conf.$l.forwarding=1" "net.ipv6.conf.$l.forwarding=1"
  ip -n "${P}router" link set dev "$l" xdpdrv obj "$OUT/xdp_router.bpf.o" sec xdp
done
ip -n "${P}peer" link set dev eth0 xdpdrv obj "$OUT/xdp_echo.bpf.o" sec xdp
ip -n "${P}client" link set dev eth0 xdpdrv obj "$PASS" sec xdp
# The relay's eth0 takes redirected frames in NAPI mode (GRO on; UDP is not coalesced for sockets that did not ask),
# with or without a program of its own: --xdp in generic mode has no native program there.
ip netns exec "${P}relay" ethtool -K eth0 gro on >/dev/null

in_ns() { local ns=$1; shift; ip netns exec "${P}$ns" "$@"; }

start_server() { # name
  local name=$1 xdp=()
  case "$name" in
    coturn)
      ip netns exec "${P}relay" turnserver -n -L "$RELAY" -E "$RELAY" -p "$PORT" --min-port 49152 --max-port 49999 -a -f -r "$REALM" \
        -u "$USER_NAME:$PASSWORD" --relay-threads="$(nproc)" --no-dtls --no-tls --no-cli --pidfile "$OUT/coturn.pid" \
        --log-file stdout --simple-log > "$OUT/server-$name.log" 2>&1 &
      ;;
    userspace|xdp-native|xdp-generic)
      [ "$name" = xdp-native ] && xdp=(--xdp eth0 --xdp-mode native)
      [ "$name" = xdp-generic ] && xdp=(--xdp eth0 --xdp-mode generic)
      JAVA_OPTS="-Xmx256m" ip netns exec "${P}relay" "$CLI" --transport nio --workers "$(nproc)" --listen-port "$PORT" \
        --lowest-port 49152 --highest-port 49999 --bind-ip4-addr "$RELAY" --public-ip4-addr "$RELAY" \
        --user "$USER_NAME:$PASSWORD" --realm "$REALM" --user-quota 100000 --allowed-peer-ip 198.18.0.0/15 \
        --rfc5766-channel-numbers --health-check-addr "$RELAY:8080" "${xdp[@]}" > "$OUT/server-$name.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$! # ip netns exec and the launcher exec: this is the server's own process
  # Ready when a short turnload run gets its echoes (also the warm-up the JVM's JIT needs).
  local tries=0
  until in_ns client timeout 30 "$OUT/turnload" -s "$RELAY" -p "$PORT" -u "$USER_NAME" -w "$PASSWORD" -e "$PEER" -r "$PEER_PORT" \
      -c "$CLIENTS" -l "$PAYLOAD" -d 3 -W 0 -R 0 > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 20 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "$name did not start; log:" >&2; tail -20 "$OUT/server-$name.log" >&2; exit 1
    fi
    sleep 0.5
  done
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# user+nice, system, irq+softirq+steal: busy jiffies of all cores, by kind
busy_jiffies() { awk '/^cpu / { print $2 + $3, $4, $7 + $8 + $9 }' /proc/stat; }
process_jiffies() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# One run of GENERATORS turnload processes at once (RATE split between them); appends
# "round=R server=S run=K pps=... loss_pct=... p50_us=... p99_us=... relay_cpu_us_per_echo=... machine_cpu_us_per_echo=..."
measure() { # round server run rate [flood]
  local round=$1 server=$2 run=$3 rate=$4 flood=${5:-0} flood_pids=() pids=() g
  if [ "$flood" != 0 ]; then
    for g in $(seq 0 $((FLOODERS - 1))); do
      in_ns client taskset -c $((g % $(nproc))) "$OUT/udpflood" "$RELAY" "$PORT" $((flood / FLOODERS)) $((DURATION + 3)) "$PAYLOAD" \
        > "$OUT/flood-$server-$g.txt" 2>&1 &
      flood_pids+=($!)
    done
  fi
  local machine0 relay0 machine1 relay1
  machine0=$(busy_jiffies)
  relay0=$(process_jiffies)
  for g in $(seq 0 $((GENERATORS - 1))); do
    in_ns client taskset -c $((g % $(nproc))) timeout $((DURATION + 30)) "$OUT/turnload" -s "$RELAY" -p "$PORT" -u "$USER_NAME" \
      -w "$PASSWORD" -e "$PEER" -r "$PEER_PORT" -c $((CLIENTS / GENERATORS)) -l "$PAYLOAD" -d "$DURATION" -W 1 -I "$WINDOW" \
      -R "$(awk -v r="$rate" -v g="$GENERATORS" 'BEGIN { printf "%.0f", r / g }')" \
      > "$OUT/turnload-$server-$run-$round-$g.out" 2> "$OUT/turnload-$server-$run-$round-$g.err" &
    pids+=($!)
  done
  for g in "${pids[@]}"; do wait "$g" || true; done
  machine1=$(busy_jiffies)
  relay1=$(process_jiffies)
  local flooded=0
  if [ "$flood" != 0 ]; then
    for g in "${flood_pids[@]}"; do wait "$g" 2>/dev/null || true; done
    flooded=$(cat "$OUT"/flood-"$server"-*.txt | sed -n 's/.* rate=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  fi
  python3 - "$round" "$server" "$run" "$DURATION" "$machine0/$machine1" $((relay1 - relay0)) "$flooded" \
      "$OUT"/turnload-"$server-$run-$round"-*.out <<'PY' | tee -a "$RESULTS"
import re, sys
round_, server, run, duration, machine, relay, flooded = sys.argv[1:8]
lines = [open(f).read().strip().splitlines() for f in sys.argv[8:]]
rows = [dict(re.findall(r'(\w+)=([^\s]+)', l[-1])) if l else {} for l in lines]
if not rows or any('received' not in r for r in rows):
    print(f'round={round_} server={server} run={run} failed=1')
    sys.exit()
sent = sum(int(r['sent']) for r in rows)
received = sum(int(r['received']) for r in rows)
pps = sum(float(r['pps']) for r in rows)
d = float(duration)
# Jiffies are 10 ms; the runs take the warm-up second and the window, the echoes count the window only.
share = d / (d + 1)
per_echo = lambda jiffies: f'{int(jiffies) * 10000 * share / received:.2f}' if received else 'NA'
before, after = ([int(x) for x in part.split()] for part in machine.split('/'))
user, system, softirq = (a - b for a, b in zip(after, before))
print(f'round={round_} server={server} run={run} sent={sent} received={received} loss_pct={100 * (sent - received) / sent if sent else 100:.3f}'
      f' pps={pps:.0f} p50_us={sum(float(r["p50_us"]) for r in rows) / len(rows):.1f} p99_us={max(float(r["p99_us"]) for r in rows):.1f}'
      f' relay_cpu_us_per_echo={per_echo(relay)} machine_cpu_us_per_echo={per_echo(user + system + softirq)}'
      f' machine_user_us={per_echo(user)} machine_system_us={per_echo(system)} machine_softirq_us={per_echo(softirq)}'
      + (f' flood_pps={flooded}' if flooded != '0' else ''))
PY
}

bpf_runs() { bpftool prog show --json | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("type") == "xdp" and "run_cnt" in p:
        print(p["id"], p["name"], p["run_cnt"], p["run_time_ns"])'; }

bpf_costs() { # before after label
  python3 - "$1" "$2" "$3" <<'PY'
import sys
before = {l.split()[0]: l.split() for l in sys.argv[1].splitlines() if l}
for line in sys.argv[2].splitlines():
    pid, name, count, ns = line.split()
    b = before.get(pid, [pid, name, '0', '0'])
    runs = int(count) - int(b[2])
    if runs:
        print(f'bpf {sys.argv[3]} {name}: {runs} runs, {(int(ns) - int(b[3])) / runs:.0f} ns per run')
PY
}

[ "${BPF_STATS:-0}" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=1
for round in $(seq 1 "$ROUNDS"); do
  for server in $SERVERS; do
    start_server "$server"
    [ "${BPF_STATS:-0}" = 1 ] && runs0=$(bpf_runs)
    measure "$round" "$server" max 0
    [ "${BPF_STATS:-0}" = 1 ] && bpf_costs "$runs0" "$(bpf_runs)" "$server-max" | tee -a "$OUT/bpf-costs.txt"
    measure "$round" "$server" fixed "$RATE"
    stop_server
  done
done
[ "${BPF_STATS:-0}" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=0
if [ "$FLOOD_RATE" != 0 ]; then
  for server in $FLOOD_SERVERS; do
    start_server "$server"
    measure 1 "$server" flood "$RATE" "$FLOOD_RATE"
    stop_server
  done
fi

python3 - "$RESULTS" "$SERVERS" <<'PY'
import re, statistics as st, sys
rows = [dict(re.findall(r'(\w+)=([^\s]+)', line)) for line in open(sys.argv[1])]
servers = sys.argv[2].split()
def med(server, run, key):
    vals = [float(r[key]) for r in rows if r.get('server') == server and r.get('run') == run and r.get(key) not in (None, 'NA')]
    return st.median(vals) if vals else None
def fmt(v, digits=0):
    return 'NA' if v is None else f'{v:.{digits}f}'
print('| metric (median of rounds) | ' + ' | '.join(servers) + ' |')
print('|---|' + '---|' * len(servers))
for label, run, key, d in [('max rate: echoes/s', 'max', 'pps', 0), ('max rate: loss %', 'max', 'loss_pct', 3),
                           ('max rate: relay CPU us/echo', 'max', 'relay_cpu_us_per_echo', 2),
                           ('max rate: machine CPU us/echo', 'max', 'machine_cpu_us_per_echo', 2),
                           ('fixed rate: echoes/s', 'fixed', 'pps', 0), ('fixed rate: loss %', 'fixed', 'loss_pct', 3),
                           ('fixed rate: p50 us', 'fixed', 'p50_us', 0), ('fixed rate: p99 us', 'fixed', 'p99_us', 0),
                           ('fixed rate: relay CPU us/echo', 'fixed', 'relay_cpu_us_per_echo', 2),
                           ('fixed rate: machine CPU us/echo', 'fixed', 'machine_cpu_us_per_echo', 2),
                           ('flood: garbage datagrams/s reached', 'flood', 'flood_pps', 0),
                           ('flood: loss %', 'flood', 'loss_pct', 3), ('flood: p99 us', 'flood', 'p99_us', 0)]:
    print(f'| {label} | ' + ' | '.join(fmt(med(s, run, key), d) for s in servers) + ' |')
ref = med('coturn', 'max', 'pps')
user = med('userspace', 'fixed', 'machine_cpu_us_per_echo')
for s in servers:
    if s.startswith('xdp'):
        pps = med(s, 'max', 'pps')
        cpu = med(s, 'fixed', 'machine_cpu_us_per_echo')
        if ref and pps:
            print(f'{s}: max-rate echoes/s {pps / ref:.2f}x coturn')
        if user and cpu:
            print(f'{s}: machine CPU per echo at the fixed rate {cpu / user:.2f}x userspace')
PY
