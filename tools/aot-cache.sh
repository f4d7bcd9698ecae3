#!/usr/bin/env bash
# The JDK 25 AOT cache recipe for the sequin command (docs/PERFORMANCE.md, "Start-up"), run as a
# check. One training run of `sequin bench MODEL` writes CACHE: the classes that run loaded and
# linked, and its methods' profiles. A second start with the cache and -XX:AOTMode=on (which stops
# the JVM when it cannot use the cache, where the default would run on without it) prints bench's
# JSON line, whose load_ms and first_step_ms show what the cache saved.
#
# A cache holds for one JDK build, one jar (its path and time stamp) and the same --add-modules:
# ./sequin rebuilding its jar makes the cache stale, and the JVM then says so and starts without it.
#
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 tools/aot-cache.sh MODEL.sqn CACHE.aot
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: JAVA_HOME=JDK25 tools/aot-cache.sh MODEL.sqn CACHE.aot" >&2
  exit 2
fi
model=$1 cache=$2
root=$(cd "$(dirname "$0")/.." && pwd)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature=$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
if [ "${feature%%.*}" -lt 25 ]; then
  echo "aot-cache: $java is JDK $feature; -XX:AOTCacheOutput needs JDK 25 or later" >&2
  exit 2
fi

rm -f "$cache"
log="$cache.training.log"
# The training run: the same command and flags as the later starts, plus where to write the cache.
if ! JAVA_OPTS="-XX:AOTCacheOutput=$cache" "$root/sequin" bench "$model" --steps 100 --warmup-seconds 0 --json \
    >"$log" 2>&1 || [ ! -s "$cache" ]; then
  cat "$log" >&2
  echo "aot-cache: the training run wrote no cache" >&2
  exit 1
fi
rm -f "$log"
# The JVM's AOT messages go to stdout by default; stderr keeps the JSON line clean.
JAVA_OPTS="-XX:AOTCache=$cache -XX:AOTMode=on -Xlog:aot*=off -Xlog:aot*=warning:stderr" \
  "$root/sequin" bench "$model" --steps 100 --warmup-seconds 0 --json
