#!/usr/bin/env bash
# Runs the JMH suite on the default JDK (17) and on Temurin 25, one after the other, and writes
# bench/results/README.md (tables with the machine, JDK and error bars), the charts
# bench/results/step-lstm.png and step-gru.png (time per step against size: scalar, Panama, Panama
# with int8 weights, ONNX Runtime), and the raw JSON. Sequin runs with 1 and 2 threads, ONNX Runtime
# with 1 intra-op thread and with its default. Takes about 75 minutes on 2 cores. f32 weights; bf16
# steps and sequences (for the targets table, every type against ONNX Runtime at its defaults); and
# int8: Sequin's int8 LSTM and GRU steps (for the charts) and sequences, beside ONNX Runtime's own
# int8 LSTM (com.microsoft.DynamicQuantizeLSTM, graphs made by tools/make-ort-int8-lstm.py with
# Debian's python3-onnx); bench/run-weights.sh measures every type. Extra arguments go to JMH (for
# example -p size=64x128).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
# ONNX Runtime's int8 LSTMs, from the same f32 weights the other benchmarks use.
java -cp bench/target/benchmarks.jar io.sequin.bench.BenchModels bench/target/ort-models
/usr/bin/python3 tools/make-ort-int8-lstm.py bench/target/ort-models >&2
. tools/jdks.sh
files=()
charts=()
for home in "${jdks[@]}"; do
  version=$(jdk_version "$home")
  json="$out/raw/jmh-jdk$version.json"
  echo "== JDK $version ($home)" >&2
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$json" \
    -e 'WideningBenchmark|ProjectionBenchmark|FmaPeakBenchmark' -p weights=f32 "$@" >&2
  files+=("$json")
  int8="$out/raw/jmh-int8-jdk$version.json"
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$int8" \
    'StepBenchmark.Panama|SequenceBenchmark.Panama|OrtInt8Benchmark' -p batch=1 -p weights=int8 "$@" >&2
  files+=("$int8")
  charts+=("$json" "$int8")
  # bf16, for the targets table: the three storage types against ONNX Runtime at its defaults.
  bf16="$out/raw/jmh-bf16-jdk$version.json"
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -prof gc -rf json -rff "$bf16" \
    'StepBenchmark.Panama|SequenceBenchmark.Panama' -p batch=1 -p weights=bf16 "$@" >&2
  files+=("$bf16")
done
. tools/machine.sh
machine=$(machine_line)
java -cp bench/target/benchmarks.jar io.sequin.bench.ResultsTable "$machine" "${files[@]}" > "$out/README.md"
echo "wrote $out/README.md" >&2
java -cp bench/target/benchmarks.jar io.sequin.bench.Charts "$out" "$machine" "${charts[@]}"
