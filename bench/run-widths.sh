#!/usr/bin/env bash
# The Panama streaming step (LSTM 64x128 and 512x1024, batch 1; f32, bf16 and int8 weights) at
# every vector width the CPU offers, -Dsequin.vectorBits=128, 256 and 512 as far as it goes, on
# the default JDK (17) and on Temurin 25, one after the other in one run, with -prof gc; writes
# bench/results/widths.md (naming the CPU) and the raw JSON. The default width (VectorWidth) is
# the one these runs find fastest. About 4 minutes on 2 cores with 512-bit vectors. Extra
# arguments go to JMH.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
. tools/jdks.sh
tables=()
for home in "${jdks[@]}"; do
  version=$(jdk_version "$home")
  # HotSpot sets MaxVectorSize to the widest vectors the CPU has (in bytes).
  offered=$(( $("$home/bin/java" -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxVectorSize" {print $4}') * 8 ))
  for bits in 128 256 512; do
    [ "$bits" -le "$offered" ] || continue
    echo "== JDK $version, $bits-bit vectors" >&2
    json="$out/raw/jmh-width-jdk$version-$bits.json"
    "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -jvmArgsPrepend "-Dsequin.vectorBits=$bits" \
      -prof gc -rf json -rff "$json" -wi 2 -i 3 \
      'StepBenchmark.Panama' -p cell=LSTM -p batch=1 -p size=64x128,512x1024 -p weights=f32,bf16,int8 -p threads=1 "$@" >&2
    tables+=("$version/$bits=$json")
  done
done
java -cp bench/target/benchmarks.jar io.sequin.bench.WidthsTable "${tables[@]}" > "$out/widths.md"
echo "wrote $out/widths.md" >&2
