#!/usr/bin/env bash
# Per-call 4 KiB sendfile, interleaved rounds: the raw C loop (zc_floor), the library built as
# LIB_A and as LIB_B (two libzerocopy.so builds to compare, loaded with -Ddev.zerocopy.library),
# and a bare jnr-ffi libc binding (PerCallBench.jnrLibcSendfile), to /dev/null and to tcp.
#   mvn -B -q -Pbench package -DskipTests   # target/benchmarks.jar, target/zc_floor
#   flock -x /tmp/team/cpu.lock bench/percall-ab.sh /path/a/libzerocopy.so /path/b/libzerocopy.so [rounds]
set -u
cd "$(dirname "$0")/.."
LIB_A=$1 LIB_B=$2 ROUNDS=${3:-3}
OUT=target/bench/ab; mkdir -p "$OUT"
SRC=$(mktemp "${TMPDIR:-/tmp}/zc-ab-XXXXXX.bin"); trap 'rm -f "$SRC"' EXIT
head -c $((128 << 20)) /dev/urandom > "$SRC"; cat "$SRC" > /dev/null
for round in $(seq "$ROUNDS"); do
  for t in devnull tcp; do
    echo "round $round floor $t $(target/zc_floor percall "$t" "$SRC" 200000)"
    for v in A B; do
      lib=$LIB_A; [ "$v" = B ] && lib=$LIB_B
      java -jar target/benchmarks.jar 'PerCallBench.(nativeSendfile|jnrLibcSendfile)' -p target="$t" -f 1 -wi 2 -w 500ms -i 3 -r 1s \
        -jvmArgsAppend "-Ddev.zerocopy.library=$lib" -rf csv -rff "$OUT/r$round-$t-$v.csv" > /dev/null 2>&1
      echo "round $round jmh $t $v $(grep -v '^"Benchmark' "$OUT/r$round-$t-$v.csv" | grep -v ':' | cut -d, -f1,5 | tr '\n' ' ')"
    done
  done
done
