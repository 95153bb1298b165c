#!/usr/bin/env bash
# Reproducibility check of the default `compare` run (README, "Is it reproducible?"): RUNS default
# runs (5 unless given), one after another, then per row (target and link, size, method):
#   - every run's median GB/s within +-10% of the median of the runs' medians;
#   - tcp rows: within each run, max/min of the samples under 1.5.
# Prints the rows that miss either goal and a one-line result per goal; writes everything to
# target/compare-repro/. Needs the built CLI jar (mvn -B -q package -DskipTests) and python3.
# Set ZC_BENCH_LOCK=FILE to run each compare under `flock -x FILE` (a machine shared with builds).
#
#   bench/compare-repro.sh [RUNS] [extra compare options...]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
shift || true
OUT=target/compare-repro
JAVA=${JAVA:-java}
JAR=${JAR:-target/native-zerocopy-cli.jar}
rm -rf "$OUT"
mkdir -p "$OUT"
# Every 10 s during each run, the busiest processes: other load is what spreads figures most here.
busiest() { top -b -n1 -w 150 | sed -n "3p;7,12p"; }
for i in $(seq 1 "$RUNS"); do
  echo "== run $i of $RUNS: $(uptime)" | tee -a "$OUT/load.txt" >&2
  ( while sleep 10; do { date +%T; busiest; } >> "$OUT/busiest-$i.txt"; done ) &
  sampler=$!
  ${ZC_BENCH_LOCK:+flock -x "$ZC_BENCH_LOCK"} "$JAVA" -jar "$JAR" compare --progress never \
    --out "$OUT/run-$i" "$@" > "$OUT/run-$i.txt"
  kill "$sampler"
  echo "   after run $i: $(uptime)" | tee -a "$OUT/load.txt" >&2
done
python3 - "$OUT" "$RUNS" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = {}
for i in range(1, runs + 1):
    d = json.load(open(f"{out}/run-{i}/compare.json"))
    for r in d["results"]:
        if "gbps_median" not in r or not r["samples"]:
            continue
        key = (r["target"] + (" over " + r["link"] if "link" in r else ""), r["size_bytes"], r["method"])
        g = [s["bytes"] / s["wall_ns"] for s in r["samples"]]
        rows.setdefault(key, []).append((r["gbps_median"], max(g) / min(g), d["machine"]["load_average_before"]))
within = spread_ok = tcp_rows = 0
worst = []
for key, runs_of_row in rows.items():
    meds = [m for m, _, _ in runs_of_row]
    mom = statistics.median(meds)
    dev = max(abs(m / mom - 1) for m in meds)
    ok = dev <= 0.10 and len(meds) == runs
    within += ok
    tcp = key[0].startswith("tcp")
    spread = max(s for _, s, _ in runs_of_row)
    if tcp:
        tcp_rows += 1
        spread_ok += spread < 1.5
    if not ok or (tcp and spread >= 1.5):
        worst.append((dev, key, meds, spread if tcp else None))
worst.sort(key=lambda w: -w[0])
print(f"{runs} runs, {len(rows)} rows")
print("rows missing a goal (largest deviation first): target, size, method: medians per run; deviation; tcp max/min")
for dev, key, meds, spread in worst:
    print(f"  {key[0]} {key[1]} {key[2]}: {' '.join(f'{m:.3g}' for m in meds)}; {dev * 100:.0f}%"
          + (f"; max/min {spread:.2f}" if spread is not None else ""))
print(f"RESULT medians within +-10% of the median of medians: {within} of {len(rows)} rows")
print(f"RESULT tcp rows with max/min < 1.5 in every run: {spread_ok} of {tcp_rows}")
PY
