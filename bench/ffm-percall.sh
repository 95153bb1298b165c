#!/usr/bin/env bash
# Would the FFM API (JDK 22+) bring the per-call cost of a 4 KiB sendfile within 1.05x of a C loop?
# Runs bench/ffm/FfmPerCall.java with a JDK 22+ source launcher against target/benchmarks.jar: the
# C loop, one C sendfile per FFM downcall (default and Linker.Option.critical), and the library
# (jnr-ffi), paired in one JVM (bench/java/dev/zerocopy/bench/Paired.java). About 1 minute.
#
#   mvn -B -q package -DskipTests
#   bench/ffm-percall.sh [devnull|tcp] [blocks] [calls]     # JAVA22=/path/to/jdk-22+/bin/java
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA22=${JAVA22:-$(ls -d /usr/lib/jvm/temurin-25-jdk-*/bin/java 2>/dev/null | head -1)}
[ -x "$JAVA22" ] || { echo "ffm-percall: set JAVA22 to a JDK 22+ java" >&2; exit 1; }
[ -f target/benchmarks.jar ] && [ -f target/libzc_floor_loop.so ] || mvn -B -q package -DskipTests
exec "$JAVA22" --enable-native-access=ALL-UNNAMED -cp target/benchmarks.jar bench/ffm/FfmPerCall.java "${1:-devnull}" "${2:-300}" "${3:-4000}"
