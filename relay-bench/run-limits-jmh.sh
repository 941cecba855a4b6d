#!/usr/bin/env bash
# The bandwidth limits' cost on the relay path as a ratio, measured in pairs: each round runs
# TurnDataPlaneBenchmark without limits and with them back to back (one short fork each, in alternating
# order), so a neighbour's load on a shared machine hits both sides of a pair alike; the summary gives
# the median and quartiles of the per-round ratios, and the bytes per operation of every run.
#
#   relay-bench/run-limits-jmh.sh                      # 10 rounds, 1 and 1,000 flows, max-bps and both
#   ROUNDS=20 FLOWS=1 LIMITS=both relay-bench/run-limits-jmh.sh
#
# Needs relay-bench/target/benchmarks.jar (./mvnw -B -q -DskipTests package -pl relay-bench -am).
# Writes raw JMH CSV files and summary.txt under OUT (default: a new directory in /tmp).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jar="${JAR:-$here/target/benchmarks.jar}"
rounds="${ROUNDS:-10}"
flows="${FLOWS:-1,1000}"
limits="${LIMITS:-max-bps,both}"
out="${OUT:-$(mktemp -d /tmp/limits-jmh.XXXXXX)}"
jmh_options=(-f 1 -wi 3 -i 4 -w 500ms -r 500ms -prof gc)

[[ -f "$jar" ]] || { echo "no $jar: build it with ./mvnw -B -q -DskipTests package -pl relay-bench -am" >&2; exit 2; }
mkdir -p "$out"
java -version 2>&1 | head -1 > "$out/jdk.txt"

for round in $(seq 1 "$rounds"); do
    # Alternate which side runs first, so neither always gets the warmer or the quieter slot.
    if (( round % 2 )); then order="off,$limits"; else order="$limits,off"; fi
    for method in clientChannelDataToPeer peerDatagramToClient; do
        for n in ${flows//,/ }; do
            for side in ${order//,/ }; do
                java -jar "$jar" "TurnDataPlaneBenchmark.$method\$" -p allocations="$n" -p limits="$side" \
                    "${jmh_options[@]}" -rf csv -rff "$out/round$round-$method-$n-$side.csv" > "$out/round$round-$method-$n-$side.log" 2>&1
            done
        done
    done
    echo "round $round of $rounds done" >&2
done

python3 - "$out" <<'PY' | tee "$out/summary.txt"
import csv, glob, os, statistics, sys
from collections import defaultdict

out = sys.argv[1]
score = {}          # (round, method, flows, limits) -> ns/op
alloc = defaultdict(list)  # (method, flows, limits) -> B/op per run
for path in glob.glob(os.path.join(out, "round*.csv")):
    round_ = int(os.path.basename(path).split("-")[0][5:])
    with open(path) as f:
        for row in csv.DictReader(f):
            method = row["Benchmark"].split("TurnDataPlaneBenchmark.")[1]
            key = (method.split(":")[0], row["Param: allocations"], row["Param: limits"])
            if ":" not in method:
                score[(round_,) + key] = float(row["Score"])
            elif method.endswith(":gc.alloc.rate.norm"):
                alloc[key].append(float(row["Score"]))

def quartiles(values):
    values = sorted(values)
    if len(values) < 2:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[1], q[2]

print(open(os.path.join(out, "jdk.txt")).read().strip(), flush=True)
rounds = sorted({k[0] for k in score})
print(f"{len(rounds)} rounds; ns/op median of runs, ratio = limited / off per round: median [quartiles]")
keys = sorted({k[1:] for k in score})
for method, flows, limits in keys:
    if limits == "off":
        continue
    ratios = [score[(r, method, flows, limits)] / score[(r, method, flows, "off")]
              for r in rounds if (r, method, flows, limits) in score and (r, method, flows, "off") in score]
    if not ratios:
        continue
    off = statistics.median(score[(r, method, flows, "off")] for r in rounds if (r, method, flows, "off") in score)
    on = statistics.median(score[(r, method, flows, limits)] for r in rounds if (r, method, flows, limits) in score)
    low, mid, high = quartiles(ratios)
    bytes_on = max(alloc[(method, flows, limits)], default=float("nan"))
    bytes_off = max(alloc[(method, flows, "off")], default=float("nan"))
    print(f"{method:24} flows={flows:>5} {limits:8} off {off:7.1f} ns  limited {on:7.1f} ns  "
          f"ratio {mid:.3f} [{low:.3f}-{high:.3f}]  max B/op off {bytes_off:.4f} limited {bytes_on:.4f}", flush=True)
PY
echo "raw results in $out" >&2
