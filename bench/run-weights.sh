#!/usr/bin/env bash
# Runs the step and sequence benchmarks with every weight storage type (f32, f16, bf16, int8),
# Panama kernels, on Temurin 25 (the narrow types' targets are set on JDK 25), plus the int8 widening
# micro-benchmark, and writes bench/results/weights.md and the raw JSON. About 20 minutes on
# 2 cores. Extra arguments go to JMH (for example -p size=512x1024).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
home="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
json="$out/raw/jmh-weights-jdk25.json"
"$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$json" \
  'StepBenchmark.Panama' 'SequenceBenchmark.Panama' 'WideningBenchmark' -p threads=1 "$@" >&2
. tools/machine.sh
machine=$(machine_line)
java -cp bench/target/benchmarks.jar io.sequin.bench.WeightsTable "$machine" "$json" > "$out/weights.md"
echo "wrote $out/weights.md" >&2
