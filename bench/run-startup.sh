#!/usr/bin/env bash
# Start-up: a fresh JVM's time from Model.load of the demo's language model (f32) to its first
# step's output, JMH single shot in 10 forks (StartupBenchmark), on the default JDK (17) and on
# Temurin 25; then the same through ./sequin bench --json (load_ms, first_step_ms) three times
# each. On JDK 25 and later it measures both again with an AOT cache made by one training run
# (-XX:AOTCacheOutput, the recipe in docs/PERFORMANCE.md): one JMH fork, and one ./sequin bench
# (tools/aot-cache.sh). Writes bench/results/startup.md naming the CPU. About two minutes. Extra
# arguments go to JMH.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
out=bench/results
mkdir -p "$out/raw"
model=bench/target/charlm-f32.sqn
demo=converter/src/main/resources/io/sequin/demo/charlm
java -jar converter/target/sequin.jar convert "$demo/model.pt" --arch "$demo/arch.json" -o "$model" >/dev/null
. tools/jdks.sh
. tools/machine.sh
flags=$(cpu_vectors)
{
  echo "# Start-up"
  echo
  echo "Machine: $(cpu_name), ${flags% }, $(nproc) cores ($(date -u +%Y-%m-%d)). Model: the demo's language model, $(stat -c %s "$model") bytes, f32."
  echo
  echo "| JDK | JMH single shot, 10 forks: Model.load to the first step's output (ms) | ./sequin bench --json: load_ms + first_step_ms, 3 runs |"
  echo "|---|---|---|"
} > "$out/startup.md"
for home in "${jdks[@]}"; do
  version=$(jdk_version "$home")
  json="$out/raw/jmh-startup-jdk$version.json"
  "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -rf json -rff "$json" StartupBenchmark "$@" >&2
  jmh=$("$home/bin/java" -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable "$json")
  runs=()
  for i in 1 2 3; do
    runs+=("$(JAVA_HOME=$home PATH=$home/bin:$PATH "$home/bin/java" --add-modules jdk.incubator.vector -jar converter/target/sequin.jar \
      bench "$model" --steps 100 --warmup-seconds 0 --json 2>/dev/null \
      | "$home/bin/java" -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable -)")
  done
  echo "| $version | $jmh | ${runs[*]} |" >> "$out/startup.md"
  if [ "${version%%.*}" -ge 25 ]; then
    # The JMH forks' cache comes from a fork of the same benchmark, so that the class path and
    # flags match; AOTMode=on stops a fork that cannot use it rather than measuring without it.
    cache="bench/target/startup-jdk$version.aot"
    rm -f "$cache"
    "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -f 1 \
      -jvmArgsAppend "--add-modules=jdk.incubator.vector -XX:AOTCacheOutput=$cache" StartupBenchmark >&2
    json="$out/raw/jmh-startup-jdk$version-aot.json"
    "$home/bin/java" -jar bench/target/benchmarks.jar -jvm "$home/bin/java" -rf json -rff "$json" \
      -jvmArgsAppend "--add-modules=jdk.incubator.vector -XX:AOTCache=$cache -XX:AOTMode=on" StartupBenchmark "$@" >&2
    jmh=$("$home/bin/java" -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable "$json")
    cli_cache="bench/target/sequin-jdk$version.aot"
    runs=("$(JAVA_HOME=$home tools/aot-cache.sh "$model" "$cli_cache" | "$home/bin/java" -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable -)")
    for i in 2 3; do
      runs+=("$(JAVA_HOME=$home JAVA_OPTS="-XX:AOTCache=$cli_cache -XX:AOTMode=on" ./sequin \
        bench "$model" --steps 100 --warmup-seconds 0 --json | "$home/bin/java" -cp bench/target/benchmarks.jar io.sequin.bench.StartupTable -)")
    done
    echo "| $version, AOT cache | $jmh | ${runs[*]} |" >> "$out/startup.md"
  fi
done
cat "$out/startup.md"
