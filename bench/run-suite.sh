#!/usr/bin/env bash
# Runs the JMH suite on the default JDK (17) and on Temurin 25, one after the other, and writes
# bench/results/README.md (tables with the machine, JDK and error bars) and the raw JSON.
# Takes about half an hour on 2 cores. f32 weights only: bench/run-weights.sh measures the other types. Extra arguments go to JMH (for example -p size=64x128).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
jdks=("${JAVA17_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}" "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}")
files=()
for home in "${jdks[@]}"; do
  [ -x "$home/bin/java" ] || { echo "skipping missing JDK $home" >&2; continue; }
  version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
  json="$out/raw/jmh-jdk$version.json"
  echo "== JDK $version ($home)" >&2
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$json" \
    -e WideningBenchmark -p weights=f32 "$@" >&2
  files+=("$json")
done
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
flags=$(grep -o -m1 -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
machine="$cpu, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), ${flags}($(date -u +%Y-%m-%d))"
java -cp bench/target/benchmarks.jar io.sequin.bench.ResultsTable "$machine" "${files[@]}" > "$out/README.md"
echo "wrote $out/README.md" >&2
