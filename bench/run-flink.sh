#!/usr/bin/env bash
# Flink throughput: events per second through the LSTM 64x128 for 10,000 keys, a Flink 2.3 mini
# cluster (parallelism 2) stepping one event at a time or the buffered keys together, against a
# plain loop of Sequin without Flink (FlinkThroughputBenchmark, in the flink module's test
# sources: Flink does not survive being shaded into bench's uber-jar). JMH, default JDK (17).
# Writes bench/results/flink.md. A few minutes. Extra arguments go to JMH.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
mvn -B -ntp -q -pl flink test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/flink/target/test.classpath"
cp="flink/target/test-classes:flink/target/classes:$(cat flink/target/test.classpath)"
out=bench/results
mkdir -p "$out/raw"
json="$out/raw/jmh-flink-jdk17.json"
java -cp "$cp" org.openjdk.jmh.Main FlinkThroughputBenchmark -prof gc -rf json -rff "$json" "$@" >&2
. tools/machine.sh
cpu=$(cpu_name)
{
  echo "# Flink throughput"
  echo
  echo "Machine: $cpu, $(nproc) cores ($(date -u +%Y-%m-%d)), $(java -version 2>&1 | head -n 1). LSTM 64x128, f32, 10,000 keys, 20 events each;"
  echo "JMH average time per event over whole jobs (1 warm-up and 3 measured jobs), mini cluster with 1 task manager and parallelism 2."
  echo
  echo "| how | µs per event | events per second | bytes allocated per event (all threads) |"
  echo "|---|---|---|---|"
  python3 - "$json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1])):
    m = b["primaryMetric"]
    us = m["score"] / 1000
    alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
    print(f"| {b['params']['how']} | {us:.2f} ± {m['scoreError'] / 1000:.2f} | {1e6 / us:,.0f} | {alloc:,.0f} |")
PY
} > "$out/flink.md"
cat "$out/flink.md"
