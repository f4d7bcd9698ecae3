#!/usr/bin/env bash
# Runs the JMH suite on the default JDK (17) and on Temurin 25, one after the other, and writes
# bench/results/README.md (tables with the machine, JDK and error bars), the charts
# bench/results/step-lstm.png and step-gru.png (time per step against size: scalar, Panama, Panama
# with int8 weights, ONNX Runtime), and the raw JSON. Sequin runs with 1 and 2 threads, ONNX Runtime
# with 1 intra-op thread and with its default. Takes about 55 minutes on 2 cores. f32 weights, plus
# the int8 streaming step for the charts: bench/run-weights.sh measures every type. Extra arguments
# go to JMH (for example -p size=64x128).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
. tools/jdks.sh
files=()
charts=()
for home in "${jdks[@]}"; do
  version=$(jdk_version "$home")
  json="$out/raw/jmh-jdk$version.json"
  echo "== JDK $version ($home)" >&2
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$json" \
    -e WideningBenchmark -p weights=f32 "$@" >&2
  files+=("$json")
  int8="$out/raw/jmh-int8-jdk$version.json"
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -rf json -rff "$int8" \
    'StepBenchmark.Panama' -p batch=1 -p weights=int8 -p threads=1 "$@" >&2
  charts+=("$json" "$int8")
done
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
flags=$(grep -o -m1 -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')
machine="$cpu, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), ${flags}($(date -u +%Y-%m-%d))"
java -cp bench/target/benchmarks.jar io.sequin.bench.ResultsTable "$machine" "${files[@]}" > "$out/README.md"
echo "wrote $out/README.md" >&2
java -cp bench/target/benchmarks.jar io.sequin.bench.Charts "$out" "$machine" "${charts[@]}"
