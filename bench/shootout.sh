#!/usr/bin/env bash
# The shoot-out: the example server in zerocopy mode and in NIO mode against a Netty
# epoll static file server (bench/netty), driven by wrk over 127.0.0.1. Each server runs pinned to
# CPU 0, wrk to CPU 1. Files of 1 KiB, 16 KiB, 256 KiB and 4 MiB, page-cached; every server's
# response to every file is hash-checked (and its header lines compared) before anything is timed.
# Rounds are interleaved (every server and size once per round, the order rotated each round);
# each round runs under the team's exclusive CPU lock when /tmp/team/cpu.lock exists.
#
#   mvn -B -q -pl examples,bench/netty -am package -DskipTests
#   bench/shootout.sh                 # ROUNDS=5 DURATION=5s CONNECTIONS=16 SIZES="1024 16384 262144 4194304" LOCK_WHOLE=0
#
# Reports, per size and server, requests/s, server CPU per request (utime+stime of the whole
# server process from /proc/<pid>/stat over the wrk run, divided by the requests wrk completed) and
# machine CPU per request (all CPUs' busy ticks from /proc/stat, wrk's included: on loopback the
# receiver's TCP work runs in softirq on whichever side's CPU the packet arrives, and this kernel's
# tick accounting charges it to the process running there, so server CPU alone can move between
# server and client as the send pattern changes) and client CPU per request (busy ticks of wrk's
# CPU, softirq included):
# the median over rounds and [min-max]; and the ratios zerocopy/netty and zerocopy/nio (median of
# the per-round ratios), marked significant when the two samples differ by a two-sided exact
# Mann-Whitney U test at p < 0.05 and `~` otherwise (the rule of the compare tool, implemented
# here in a few lines of Python: with 5 rounds the smallest possible p is 0.008, with 3 it is 0.1,
# so at least 4 rounds are needed for any ratio to count).
#
# NET=veth (root) runs the same over a veth pair between two network namespaces the script
# creates and removes (zcshoot<pid>s for the servers at 10.201.0.1, zcshoot<pid>c for curl and wrk
# at 10.201.0.2; MTU 65535 like loopback's 64 KiB), with receive packet steering (RPS) set on
# each side so that the packets each side receives are processed on that side's CPU, as two hosts
# would: on loopback a packet's receive work runs on the CPU that sent it, so "server CPU" holds
# part of the client's receive work, more or less of it as the send pattern changes. The price
# here: every RPS hand-over to the other CPU is an inter-processor interrupt, which this VM makes
# expensive (a sender's IPIs are charged to the sender).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
SIZES=${SIZES:-"1024 16384 262144 4194304"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
JVM_FLAGS=${JVM_FLAGS:-"-Xms256m -Xmx256m"}
LOCK=${LOCK:-/tmp/team/cpu.lock}
OUT=${OUT:-target/shootout}
SERVERS="zerocopy nio netty"
NET=${NET:-loopback}
case "$NET" in
  loopback) HOST=127.0.0.1; IN_SERVER_NS=(); IN_CLIENT_NS=() ;;
  veth)
    [ "$(id -u)" = 0 ] || { echo "shootout: NET=veth needs root (ip netns, RPS masks)" >&2; exit 2; }
    NS_SERVER=zcshoot$$s; NS_CLIENT=zcshoot$$c; HOST=10.201.0.1
    IN_SERVER_NS=(ip netns exec "$NS_SERVER"); IN_CLIENT_NS=(ip netns exec "$NS_CLIENT") ;;
  *) echo "shootout: NET is loopback or veth, not $NET" >&2; exit 2 ;;
esac

for tool in wrk taskset curl sha256sum python3; do
  command -v "$tool" > /dev/null || { echo "shootout: $tool is needed (apt-get install wrk curl python3)" >&2; exit 2; }
done
[ -f target/native-zerocopy-examples.jar ] && [ -f target/netty-file-server.jar ] \
  || mvn -B -q -pl examples,bench/netty -am package -DskipTests
mkdir -p "$OUT"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/zc-shootout-XXXXXX")
declare -A PID PORT
cleanup() {
  for s in $SERVERS; do [ -n "${PID[$s]:-}" ] && kill "${PID[$s]}" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$DIR"
  if [ "$NET" = veth ]; then # deleting a namespace deletes its end of the pair, and with it the peer
    ip netns del "$NS_SERVER" 2> /dev/null || true
    ip netns del "$NS_CLIENT" 2> /dev/null || true
  fi
}
trap cleanup EXIT

cpu_mask() { printf '%x' $((1 << $1)); }
if [ "$NET" = veth ]; then
  ip netns add "$NS_SERVER"
  ip netns add "$NS_CLIENT"
  ip link add zcs0 netns "$NS_SERVER" type veth peer name zcc0 netns "$NS_CLIENT"
  ip -n "$NS_SERVER" addr add "$HOST/30" dev zcs0
  ip -n "$NS_CLIENT" addr add 10.201.0.2/30 dev zcc0
  for end in "$NS_SERVER zcs0 $SERVER_CPU" "$NS_CLIENT zcc0 $CLIENT_CPU"; do
    read -r ns dev cpu <<< "$end"
    ip -n "$ns" link set "$dev" mtu 65535 up
    ip -n "$ns" link set lo up
    # ip netns exec mounts the namespace's own /sys: the device's receive queue is there.
    ip netns exec "$ns" sh -c "echo $(cpu_mask "$cpu") > /sys/class/net/$dev/queues/rx-0/rps_cpus"
  done
fi

for size in $SIZES; do
  head -c "$size" /dev/urandom > "$DIR/f$size"
  cat "$DIR/f$size" > /dev/null   # into the page cache
done

start() { # name, command...
  local name=$1; shift
  "${IN_SERVER_NS[@]}" taskset -c "$SERVER_CPU" "$@" > "$OUT/$name.log" 2>&1 &
  PID[$name]=$!
  for _ in $(seq 100); do
    grep -q '^listening on ' "$OUT/$name.log" 2> /dev/null && break
    sleep 0.1
  done
  PORT[$name]=$(sed -n "s/^listening on $HOST:\\([0-9]*\\).*/\\1/p" "$OUT/$name.log")
  [ -n "${PORT[$name]}" ] || { echo "shootout: $name did not start:" >&2; cat "$OUT/$name.log" >&2; exit 1; }
}
# shellcheck disable=SC2086
start zerocopy "$JAVA" $JVM_FLAGS -jar target/native-zerocopy-examples.jar --root "$DIR" --host "$HOST" --port 0 --mode zerocopy
# shellcheck disable=SC2086
start nio "$JAVA" $JVM_FLAGS -jar target/native-zerocopy-examples.jar --root "$DIR" --host "$HOST" --port 0 --mode nio
# shellcheck disable=SC2086
start netty "$JAVA" $JVM_FLAGS -jar target/netty-file-server.jar --root "$DIR" --host "$HOST" --port 0

echo "== verify: every server's body for every size by SHA-256, and the same header lines" >&2
for size in $SIZES; do
  want=$(sha256sum < "$DIR/f$size" | cut -d' ' -f1)
  for s in $SERVERS; do
    got=$("${IN_CLIENT_NS[@]}" curl -sS --http1.1 -D "$OUT/head-$s" -o - "http://$HOST:${PORT[$s]}/f$size" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "shootout: $s served wrong bytes for f$size" >&2; exit 1; }
    tr -d '\r' < "$OUT/head-$s" | sort > "$OUT/head-$s.sorted"
  done
  for s in nio netty; do
    cmp -s "$OUT/head-zerocopy.sorted" "$OUT/head-$s.sorted" \
      || { echo "shootout: $s answers f$size with other header lines than zerocopy:" >&2; diff "$OUT/head-zerocopy.sorted" "$OUT/head-$s.sorted" >&2; exit 1; }
  done
done

TICK=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of the whole process (fields 14 and 15 of /proc/pid/stat, after the comm field)
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
machine_ticks() { # busy ticks of all CPUs, then of the client's CPU: user, nice, system, irq, softirq (not idle, iowait, steal)
  awk -v c="cpu$CLIENT_CPU" '$1 == "cpu" { m = $2 + $3 + $4 + $7 + $8 } $1 == c { k = $2 + $3 + $4 + $7 + $8 } END { print m, k }' /proc/stat
}
one_run() { # server size duration -> "requests rps cpu_ticks machine_ticks client_cpu_ticks"
  local s=$1 size=$2 d=$3 c0 c1 m0 m1 k0 k1 out
  c0=$(cpu_ticks "${PID[$s]}"); read -r m0 k0 <<< "$(machine_ticks)"
  out=$("${IN_CLIENT_NS[@]}" taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$d" "http://$HOST:${PORT[$s]}/f$size")
  c1=$(cpu_ticks "${PID[$s]}"); read -r m1 k1 <<< "$(machine_ticks)"
  if grep -q 'Non-2xx' <<< "$out"; then
    echo "shootout: $s f$size: responses other than 200:" >&2; echo "$out" >&2; exit 1
  fi
  if grep -q 'Socket errors' <<< "$out"; then # timeouts on an overloaded machine: say so, keep the figure
    echo "shootout: warning: $s f$size: $(grep 'Socket errors' <<< "$out")" >&2
  fi
  echo "$(awk '/requests in/ { print $1 }' <<< "$out") $(awk '/^Requests\/sec/ { print $2 }' <<< "$out") $((c1 - c0)) $((m1 - m0)) $((k1 - k0))"
}

echo "== warm-up (JIT): 3 s per server and size, untimed" >&2
for size in $SIZES; do for s in $SERVERS; do one_run "$s" "$size" 3s > /dev/null; done; done

RESULTS="$OUT/runs.txt"
: > "$RESULTS"
round() { # r: every size and server once, order rotated by r
  local r=$1 i=0 order
  for size in $SIZES; do
    read -r -a order <<< "$SERVERS"
    for k in 0 1 2; do
      local s=${order[$(( (k + r + i) % 3 ))]}
      echo "$r $size $s $(one_run "$s" "$size" "$DURATION")" >> "$RESULTS"
    done
    i=$((i + 1))
  done
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# One exclusive hold per round (about a minute at 5 s per run), or with LOCK_WHOLE=1 one hold for
# all rounds (for a short run, e.g. ROUNDS=4 DURATION=3s: 2.5 minutes): on a machine where shared
# holders keep overlapping, an exclusive waiter can wait long for each of its holds.
hold() { if [ -e "$LOCK" ]; then exec 9> "$LOCK"; flock -x 9; echo "   (lock taken, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2; fi; }
release() { if [ -e "$LOCK" ]; then flock -u 9; exec 9>&-; fi; }
[ "${LOCK_WHOLE:-0}" = 1 ] && hold
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r of $ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  [ "${LOCK_WHOLE:-0}" = 1 ] || hold
  round "$r"
  [ "${LOCK_WHOLE:-0}" = 1 ] || release
done
[ "${LOCK_WHOLE:-0}" = 1 ] && release

echo "machine: $(uname -sr), $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $("$JAVA" -version 2>&1 | head -1)," \
     "NET=$NET, server on cpu $SERVER_CPU, wrk -t1 -c$CONNECTIONS -d$DURATION on cpu $CLIENT_CPU, $ROUNDS interleaved rounds," \
     "load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RESULTS" "$TICK" <<'EOF'
import sys
sys.path.insert(0, "bench")
import stats  # bench/stats.py
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tick = int(sys.argv[2])
data = {}  # (size, server) -> {round: (rps, server, machine, client CPU us per request)}
for r, size, s, reqs, rps, ticks, mticks, kticks in rows:
    data.setdefault((int(size), s), {})[int(r)] = (float(rps), int(ticks) / tick * 1e6 / int(reqs),
                                                   int(mticks) / tick * 1e6 / int(reqs), int(kticks) / tick * 1e6 / int(reqs))

def ratio(size, a, b, k):
    ra, rb = data[(size, a)], data[(size, b)]
    common = sorted(set(ra) & set(rb))
    return stats.ratio([ra[r][k] for r in common], [rb[r][k] for r in common])

def human(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"

def cell(size, s, k, fmt):
    return stats.cell([x[k] for x in data[(size, s)].values()], fmt)

sizes = sorted({k[0] for k in data})
print()
print("| file | zerocopy req/s | nio req/s | Netty epoll req/s | zc/Netty | zc/nio |")
print("|---|---|---|---|---|---|")
for n in sizes:
    print(f"| {human(n)} | {cell(n, 'zerocopy', 0, '{:,.0f}')} | {cell(n, 'nio', 0, '{:,.0f}')} | {cell(n, 'netty', 0, '{:,.0f}')} "
          f"| {ratio(n, 'zerocopy', 'netty', 0)} | {ratio(n, 'zerocopy', 'nio', 0)} |")
print()
print("| file | zerocopy CPU us/req | nio | Netty epoll | zc/Netty | zc/nio |")
print("|---|---|---|---|---|---|")
for n in sizes:
    print(f"| {human(n)} | {cell(n, 'zerocopy', 1, '{:.1f}')} | {cell(n, 'nio', 1, '{:.1f}')} | {cell(n, 'netty', 1, '{:.1f}')} "
          f"| {ratio(n, 'zerocopy', 'netty', 1)} | {ratio(n, 'zerocopy', 'nio', 1)} |")
print()
print("| file | machine CPU us/req, zerocopy | nio | Netty epoll | zc/Netty | zc/nio |")
print("|---|---|---|---|---|---|")
for n in sizes:
    print(f"| {human(n)} | {cell(n, 'zerocopy', 2, '{:.1f}')} | {cell(n, 'nio', 2, '{:.1f}')} | {cell(n, 'netty', 2, '{:.1f}')} "
          f"| {ratio(n, 'zerocopy', 'netty', 2)} | {ratio(n, 'zerocopy', 'nio', 2)} |")
print()
print("| file | client CPU us/req (wrk's CPU), zerocopy | nio | Netty epoll | zc/Netty | zc/nio |")
print("|---|---|---|---|---|---|")
for n in sizes:
    print(f"| {human(n)} | {cell(n, 'zerocopy', 3, '{:.1f}')} | {cell(n, 'nio', 3, '{:.1f}')} | {cell(n, 'netty', 3, '{:.1f}')} "
          f"| {ratio(n, 'zerocopy', 'netty', 3)} | {ratio(n, 'zerocopy', 'nio', 3)} |")
print()
print("Ratios: median of the per-round ratios; `~` when a two-sided exact Mann-Whitney U test of the two samples gives p >= 0.05.")
EOF
