#!/usr/bin/env bash
# The CPU matrix: the kernel tests (with the default kernels' switch to the vector code), the
# kernel agreement tests and the allocation tests in fresh JVMs for each JDK (17, and 25 where
# present) and each of these JVM settings, which stand for CPUs this machine may not be:
#
#   default                  whatever this CPU offers (512-bit vectors on AVX-512)
#   -XX:UseAVX=2             an AVX2-only CPU (256-bit vectors)
#   -XX:MaxVectorSize=32     256-bit vectors
#   -XX:MaxVectorSize=16     128-bit vectors, as on ARM NEON
#   early C2                 C2 compiles after 100 calls instead of thousands: kernels compiled
#                            before the JDK's own type profiles exist, the order in which the
#                            kernels once boxed vectors on JDK 17 (JDK 17 only)
#   wide                     512-bit vectors whatever the CPU offers (-Dsequin.vectorBitsBeyondCpu;
#                            JDK 25 only where it is present):
#                            on a narrower CPU the Vector API computes them in its plain-Java
#                            fallback, so only the kernel tests run, for the arithmetic of the
#                            512-bit tiles and the int8 columns that only AVX-512 CPUs use
#   wide-stacks              the same with int8 in stacks (-Dsequin.int8Layout=stacks), the
#                            layout that may replace the columns at 512 bits once measured
#
# Each run writes C2's compilation log and tools/JitCheck.java checks it: no failed Vector API
# intrinsic, no virtual Vector API call, no Vector API method inlined late, no vector passed
# through a call that was not inlined. `./sequin bench` then reports the vector width the
# kernels chose under those settings.
#
# A cell of -XX flags that leave every final JVM flag as the default cell has it (UseAVX=2 and
# MaxVectorSize=32 on an AVX2 CPU) is the default cell's JVM, and is reported as covered by it.
#
#   tools/cpu-matrix.sh [--repeat N] [--cells "default avx2 256 128 early wide wide-stacks"]
#
# --repeat N runs each JDK 17 cell N times, each in fresh JVMs (allocation failures have
# depended on compilation order there); JDK 25 cells run once. JAVA17_HOME and JAVA25_HOME
# pick the JDKs (defaults: the java on the PATH, /usr/lib/jvm/temurin-25-jdk-amd64). Expects
# `mvn verify` to have run (sequin.jar built). Exit status 1 when any run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

repeat=1
cells="default avx2 256 128 early wide wide-stacks"
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; shift 2 ;;
    --cells) cells="$2"; shift 2 ;;
    *) echo "usage: tools/cpu-matrix.sh [--repeat N] [--cells \"default avx2 256 128 early wide wide-stacks\"]" >&2; exit 2 ;;
  esac
done

flags_of() {
  case "$1" in
    default) echo "" ;;
    avx2) echo "-XX:UseAVX=2" ;;
    256) echo "-XX:MaxVectorSize=32" ;;
    128) echo "-XX:MaxVectorSize=16" ;;
    early) echo "-XX:Tier4InvocationThreshold=100 -XX:Tier4MinInvocationThreshold=50 -XX:Tier4CompileThreshold=200 -XX:Tier4BackEdgeThreshold=2000" ;;
    wide) echo "-Dsequin.vectorBits=512 -Dsequin.vectorBitsBeyondCpu=true" ;;
    wide-stacks) echo "-Dsequin.vectorBits=512 -Dsequin.vectorBitsBeyondCpu=true -Dsequin.int8Layout=stacks" ;;
    *) echo "unknown cell $1" >&2; exit 2 ;;
  esac
}

. tools/jdks.sh

# The JVM's final flag values (less the randomized SharedBaseAddress) for a JDK and cell flags:
# a cell that sets a JVM flag to what this CPU gives anyway (-XX:UseAVX=2 and MaxVectorSize=32 on
# an AVX2 CPU) runs the very JVM of the default cell, so it is reported as covered, not rerun.
final_flags() {
  # shellcheck disable=SC2086
  "$1/bin/java" $2 -XX:+PrintFlagsFinal -version 2>/dev/null \
    | awk '/^ *[a-z]/ && NF >= 4 && $2 != "SharedBaseAddress" {print $2 "=" $4}'
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A model for `sequin bench`: an LSTM ONNX fixture, converted once.
./sequin convert converter/src/test/resources/fixtures/onnx/lstm_forward_random/model.onnx -o "$work/lstm.sqn" >/dev/null

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
echo "CPU matrix on $cpu ($(uname -m), $(nproc) cores)"
echo "| JDK | cell | run | vector width | kernel tests | allocation tests | C2 compilations checked | JitCheck findings |"
echo "|---|---|---|---|---|---|---|---|"
failed=0
for home in "${jdks[@]}"; do
  version=$(jdk_version "$home")
  default_flags=$(final_flags "$home" "")
  for cell in $cells; do
    runs=1
    [ "$version" = "17" ] && [ "${cell#wide}" = "$cell" ] && runs=$repeat
    if [ "$cell" = "avx2" ] && [ "$(uname -m)" != "x86_64" ]; then
      echo "| $version | $cell | - | skipped: not an x86-64 CPU | | | | |"
      continue
    fi
    if [ "$cell" = "early" ] && [ "$version" != "17" ]; then
      continue  # the compilation order that boxed was JDK 17's; JDK 25 never showed it
    fi
    if [ "${cell#wide}" != "$cell" ] && [ "$version" = "17" ] && [ "${#jdks[@]}" -gt 1 ]; then
      continue  # the kernels' arithmetic, the same on any JDK: the newest JDK's fallback checks it
    fi
    flags=$(flags_of "$cell")
    if [ "$cell" != default ] && [[ "$flags" != *-D* ]] && [ "$(final_flags "$home" "$flags")" = "$default_flags" ]; then
      echo "| $version | $cell | - | covered by the default cell: $flags is this CPU's default | | | | |"
      continue
    fi
    for run in $(seq 1 "$runs"); do
      logs="$work/$version-$cell-$run"
      mkdir -p "$logs"
      # The lane-by-lane kernels are plain Java, the same under every flag: the full test run covers them.
      args="--add-modules jdk.incubator.vector $flags -Dsequin.test.laneKernels=false -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$logs/c2-%p.log"
      kernels=ok
      kernel_tests='KernelsTest,StoredTypeKernelsTest,PanelKernelsTest,LayoutTest'
      # The default kernels' switch to the vector code, with its numbers and allocation before and
      # after; not in the wide cells, where the vector code beyond the CPU never gets fast.
      [ "${cell#wide}" = "$cell" ] && kernel_tests="$kernel_tests,WarmingKernelsTest"
      # test-compile (up to date, so quick) with -am resolves the other modules to their target/
      # folders rather than to whatever ~/.m2 holds.
      JAVA_HOME="$home" mvn -B -ntp -o -pl runtime -am test-compile surefire:test -Dtest="$kernel_tests" \
        -Dsurefire.failIfNoSpecifiedTests=false "-Dvector.jvm.args=$args" > "$logs/kernels.out" 2>&1 || kernels=FAILED
      if [ "$cell" = wide ] || [ "$cell" = wide-stacks ]; then
        # Beyond the CPU the fallback neither compiles to vector instructions nor runs without
        # allocating: the arithmetic is what these cells check, on any CPU (an AVX-512 one runs
        # 512 bits natively in the default cell). The width shows it was in effect.
        width=$(JAVA_HOME="$home" JAVA_OPTS="$flags" ./sequin bench "$work/lstm.sqn" --json --steps 10 --warmup-seconds 0 \
          | sed -E 's/.*"vector_bits":([0-9]+).*/\1/')
        echo "| $version | $cell | $run | $width bits | $kernels | not run (arithmetic only) | - | - |"
        if [ "$kernels" != ok ] || [ "$width" != 512 ]; then
          failed=1
          grep -E 'FAIL|ERROR|expected' "$logs/kernels.out" | sed -n '1,20p' >&2 || true
        fi
        continue
      fi
      allocation=ok
      # The agreement tests run first in the allocation tests' JVM: every kernel in every shape
      # has been compiled before a single byte is counted. Steps split across threads are counted
      # in the caller and in every worker.
      JAVA_HOME="$home" mvn -B -ntp -o -pl converter -am test-compile surefire:test@zero-allocation \
        -Dtest='KernelAgreementTest,ZeroAllocationTest,ParallelStepTest#aWarmSplitStepAllocatesNothing' \
        -Dsurefire.failIfNoSpecifiedTests=false "-Dvector.jvm.args=$args" > "$logs/allocation.out" 2>&1 || allocation=FAILED
      tests=$(grep -E '^\[(INFO|ERROR)\] Tests run:' "$logs/allocation.out" | tail -n 1 | sed -E 's/^\[[A-Z]+\] //' || true)
      out=$(java tools/JitCheck.java "$logs"/c2-*.log) || true
      summary=$(printf '%s\n' "$out" | tail -n 1)
      compiled=$(printf '%s' "$summary" | sed -E 's/^JitCheck: ([0-9]+) .*/\1/')
      findings=$(printf '%s' "$summary" | sed -E 's/.* methods, ([0-9]+) with .*/\1/')
      # sed, not head: head would stop reading, and printf's SIGPIPE would end the script.
      [ "$findings" = 0 ] || printf '%s\n' "$out" | sed -n '1,40p' >&2
      width=$(JAVA_HOME="$home" JAVA_OPTS="$flags" ./sequin bench "$work/lstm.sqn" --json --steps 100 --warmup-seconds 0 \
        | sed -E 's/.*"vector_bits":([0-9]+).*/\1/')
      echo "| $version | $cell | $run | $width bits | $kernels | $allocation ($tests) | $compiled | $findings |"
      if [ "$kernels" != ok ] || [ "$allocation" != ok ] || [ "$findings" != 0 ]; then
        failed=1
        grep -E 'FAIL|ERROR|expected' "$logs/kernels.out" "$logs/allocation.out" | sed -n '1,20p' >&2 || true
      fi
    done
  done
done
exit "$failed"
