#!/usr/bin/env bash
# The receive goal: ZeroCopyChannels.transferFrom(socket -> file) against
# FileChannel.transferFrom, 1 GiB over loopback per run, on tmpfs (/dev/shm: no writeback) and on
# ext4 (a directory on the root filesystem; its writeback measured separately by force(true)),
# on JDK 17 and on Temurin 25. Reports the whole machine's busy CPU seconds per GiB (all CPUs,
# /proc/stat; sender included, the same sender for both) and the receiving thread's, as the median
# [min-max] of interleaved rounds, and the ratio zerocopy/nio (median of per-round ratios; `~` when
# a two-sided exact Mann-Whitney U test gives p >= 0.05, as bench/shootout.sh).
# Each JVM run holds the team's exclusive CPU lock when /tmp/team/cpu.lock exists.
# QUIET_BALLOON=1 (root): on a VM whose balloon reports free memory to the host, turns that
# reporting off for the run (page_reporting_order above the largest order; the old value is put
# back on exit) and touches two thirds of the free memory first, so that no round pays a host
# fault per page of new page cache (docs/anchors.md, "Guest memory the host took back").
#
#   mvn -B -q -pl bench -am package -DskipTests
#   bench/receive.sh        # ROUNDS=5 GIB=1 EXT4_DIR=/var/tmp TMPFS_DIR=/dev/shm JAVAS="java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java" QUIET_BALLOON=0
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
GIB=${GIB:-1}
TMPFS_DIR=${TMPFS_DIR:-/dev/shm}
EXT4_DIR=${EXT4_DIR:-/var/tmp}
JAVAS=${JAVAS:-"java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java"}
LOCK=${LOCK:-/tmp/team/cpu.lock}
OUT=${OUT:-target/receive}
QUIET_BALLOON=${QUIET_BALLOON:-0}
[ -f target/benchmarks.jar ] || mvn -B -q -pl bench -am package -DskipTests
mkdir -p "$OUT"
: > "$OUT/runs.txt"
if [ "$QUIET_BALLOON" = 1 ]; then
  knob=/sys/module/page_reporting/parameters/page_reporting_order
  [ -w "$knob" ] || { echo "receive: QUIET_BALLOON=1 needs root and $knob (virtio-balloon free page reporting)" >&2; exit 2; }
  old_order=$(cat "$knob")
  trap 'echo "$old_order" > "$knob"' EXIT
  echo 11 > "$knob"   # above the largest buddy order (10): no free block is reported
  touch_gib=$(awk '/MemAvailable/ { print int($2 / 1048576 * 2 / 3) }' /proc/meminfo)
  echo "receive: free page reporting off (was order $old_order), touching $touch_gib GiB first" >&2
  python3 -c "b = b'\x01' * ($touch_gib << 30)"
fi
echo "machine: $(uname -sr), $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average before $(cut -d' ' -f1-3 /proc/loadavg)$([ -r /sys/module/page_reporting/parameters/page_reporting_order ] && echo ", page_reporting_order $(cat /sys/module/page_reporting/parameters/page_reporting_order)")"
for java in $JAVAS; do
  ver=$("$java" -version 2>&1 | head -1 | sed 's/.*version "\([0-9]*\).*/\1/')
  for fs in tmpfs ext4; do
    dir=$TMPFS_DIR; [ "$fs" = ext4 ] && dir=$EXT4_DIR
    [ "$(stat -f -c %T "$dir")" = "$( [ "$fs" = tmpfs ] && echo tmpfs || echo ext2/ext3)" ] \
      || echo "receive: warning: $dir is $(stat -f -c %T "$dir"), not $fs" >&2
    echo "== JDK $ver, $fs ($dir): $ROUNDS rounds of $GIB GiB (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    cmd=("$java" --enable-native-access=ALL-UNNAMED -Dzc.clk_tck="$(getconf CLK_TCK)" -cp target/benchmarks.jar
         dev.zerocopy.bench.ReceiveBench "$dir" --gib "$GIB" --rounds "$ROUNDS")
    if [ -e "$LOCK" ]; then flock -x "$LOCK" "${cmd[@]}"; else "${cmd[@]}"; fi | sed "s/^/jdk$ver $fs /" >> "$OUT/runs.txt"
  done
done
echo "load average after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/runs.txt" "$GIB" <<'PY'
import sys
sys.path.insert(0, "bench")
from stats import cell, ratio as significant_ratio  # bench/stats.py
gib = float(sys.argv[2])
runs = {}  # (jdk, fs, mode) -> {round: {key: value}}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 5 or f[2] != "run":
        continue
    jdk, fs, _, rnd, mode = f[:5]
    kv = dict(x.split("=") for x in f[5:])
    runs.setdefault((jdk, fs, mode), {})[int(rnd)] = {k: float(v) for k, v in kv.items()}

print()
print("| JDK | fs | receiver | machine CPU s/GiB | x nio | receiving thread CPU s/GiB | x nio | wall s/GiB | writeback machine CPU s/GiB | writeback wall s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (jdk, fs, mode) in sorted(runs, key=lambda k: (k[0], k[1] != "tmpfs", k[2] != "nio")):
    me, base = runs[(jdk, fs, mode)], runs[(jdk, fs, "nio")]
    rounds = sorted(set(me) & set(base))
    def col(key):
        return [me[r][key] / gib for r in rounds]
    def ratio(key):
        if mode == "nio":
            return "1"
        return significant_ratio([me[r][key] for r in rounds], [base[r][key] for r in rounds])
    print(f"| {jdk[3:]} | {fs} | {mode} | {cell(col('machine_s'))} | {ratio('machine_s')} | {cell(col('thread_s'))} | {ratio('thread_s')} "
          f"| {cell(col('wall_s'))} | {cell(col('wb_machine_s'))} | {cell([me[r]['wb_wall_s'] for r in rounds])} |")
PY
