#!/usr/bin/env bash
# The channel layer's per-call goal: ZeroCopyChannels.transferTo at most FileChannel.transferTo's
# cost per 4 KiB call. Interleaved rounds of JMH ChannelPerCallBench, one JVM per contender, target
# and round (the order of the contenders rotated each round): FileChannel.transferTo (nio), the
# library's ZeroCopyFileChannel to the JDK channel (zcf) and ZeroCopyChannels.transferTo from a JDK
# FileChannel (channels). tcp-full is a non-blocking socket whose peer never reads (every call is
# one sendfile that meets EAGAIN: the call's own cost); tcp a blocking loopback socket drained by a
# thread; devnull /dev/null. Reports us per call, median [min-max] over rounds, and each ratio to
# nio as the median of per-round ratios (`~` unless significant, bench/stats.py).
# Each JVM holds the team's exclusive CPU lock when /tmp/team/cpu.lock exists.
#
#   mvn -B -q package -DskipTests
#   bench/channel-percall.sh       # ROUNDS=5 TARGETS="tcp-full tcp devnull"; about 75 s per round
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
TARGETS=${TARGETS:-"tcp-full tcp devnull"}
JAVA=${JAVA:-java}
LOCK=${LOCK:-/tmp/team/cpu.lock}
OUT=${OUT:-target/bench/channel-percall}
CONTENDERS=(nioTransferTo zeroCopyFileChannelTransferTo channelsTransferToJdkFile)
[ -f target/benchmarks.jar ] || mvn -B -q package -DskipTests
mkdir -p "$OUT"
: > "$OUT/runs.txt"
echo "machine: $(uname -sr), $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $("$JAVA" -version 2>&1 | head -1), load average before $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    for i in 0 1 2; do
      b=${CONTENDERS[$(( (i + round) % 3 ))]}
      csv="$OUT/r$round-$t-$b.csv"
      cmd=("$JAVA" -jar target/benchmarks.jar "ChannelPerCallBench.$b\$" -p target="$t" -f 1 -wi 2 -w 1s -i 3 -r 1s -rf csv -rff "$csv")
      if [ -e "$LOCK" ]; then flock -x "$LOCK" "${cmd[@]}"; else "${cmd[@]}"; fi > "$OUT/r$round-$t-$b.log" 2>&1 \
        || { echo "channel-percall: $b on $t failed, see $OUT/r$round-$t-$b.log" >&2; exit 1; }
      echo "$round $t $b $(sed -n 2p "$csv" | cut -d, -f5)" >> "$OUT/runs.txt"
    done
  done
  echo "round $round done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done
echo "load average after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/runs.txt" <<'PY'
import sys
sys.path.insert(0, "bench")
from stats import cell, ratio  # bench/stats.py
runs = {}  # (target, contender) -> {round: us per call}
for line in open(sys.argv[1]):
    r, t, b, score = line.split()
    runs.setdefault((t, b), {})[int(r)] = float(score)
names = {"nioTransferTo": "FileChannel.transferTo", "zeroCopyFileChannelTransferTo": "ZeroCopyFileChannel -> JDK channel",
         "channelsTransferToJdkFile": "ZeroCopyChannels, JDK FileChannel -> JDK channel"}
print()
print("| target | call | us per call | x FileChannel.transferTo |")
print("|---|---|---|---|")
for t in dict.fromkeys(k[0] for k in runs):
    base = runs[(t, "nioTransferTo")]
    for b in names:
        me = runs[(t, b)]
        rounds = sorted(set(me) & set(base))
        x = "1" if b == "nioTransferTo" else ratio([me[r] for r in rounds], [base[r] for r in rounds])
        print(f"| {t} | {names[b]} | {cell(list(me.values()))} | {x} |")
PY
