#!/usr/bin/env bash
# Fuzzes one of Sequin's readers with Jazzer (libFuzzer for the JVM), seeded with the real files
# under converter/src/test/resources, then merges what it found into the committed corpus that
# plain `mvn test` replays (converter/src/test/resources/io/sequin/fuzz/<Class>Inputs/<method>).
#
#   tools/fuzz.sh TARGET [LIBFUZZER_FLAGS...]
#     TARGET: sqn | onnx | npy | state-dict | h5 | keras | tfjs
#     flags:  -runs=N (executions), -max_total_time=SECONDS; default -max_total_time=60
#             (other libFuzzer flags, such as -seed=N, pass through)
#   e.g.  tools/fuzz.sh sqn -runs=1000000      tools/fuzz.sh h5 -max_total_time=600
#
# A crash, hang (-timeout, 10 s) or OutOfMemoryError (-Xmx, 1 GiB) stops the run and leaves the
# input in converter/target/fuzz/TARGET/findings/; once fixed, copy it into the committed corpus
# under a name that says what it found, so that every build replays it. Scratch corpora persist in
# converter/target/fuzz/TARGET/corpus between runs (mvn clean drops them; the merge keeps what matters).
# FUZZ_MERGE=0 leaves the committed corpus alone (CI's smoke run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-}
[ $# -gt 0 ] && shift
case $target in
  sqn) class=SqnFuzzTest method=loadAndRun ;;
  onnx) class=OnnxFuzzTest method=importModel ;;
  npy) class=NpyFuzzTest method=read ;;
  state-dict) class=StateDictFuzzTest method=importStateDict ;;
  h5) class=KerasFuzzTest method=h5 ;;
  keras) class=KerasFuzzTest method=kerasZip ;;
  tfjs) class=KerasFuzzTest method=tfjs ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
flags=("$@")
[ ${#flags[@]} -eq 0 ] && flags=(-max_total_time=60)
# Jazzer turns @FuzzTest's default duration (5 minutes) into -max_total_time unless one is given.
[[ " ${flags[*]}" == *" -max_total_time="* ]] || flags+=(-max_total_time=0)

cd "$root"
mvn -B -ntp -q install -DskipTests
mvn -B -ntp -q -pl converter dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.classpath
# This checkout's classes come first: the Sequin jars in ~/.m2 are whatever was installed last.
cp="converter/target/test-classes:converter/target/classes:runtime/target/classes:schema/target/classes:$(cat converter/target/fuzz.classpath)"

fixtures=converter/src/test/resources/fixtures
work=converter/target/fuzz/$target
committed=converter/src/test/resources/io/sequin/fuzz/${class}Inputs/$method
mkdir -p "$work/seeds" "$work/corpus" "$work/findings" "$committed"
rm -f "$work"/seeds/*
seed() { cp "$1" "$work/seeds/$(echo "$1" | sed 's|^converter/src/test/resources/||; s|/|_|g')"; }
case $target in
  sqn)
    for f in converter/src/test/resources/golden/*/model.sqn; do seed "$f"; done
    # Every layer kind and weight type the converter writes, in small models.
    convert() { local src=$1 name=$2; shift 2
      java --add-modules jdk.incubator.vector -jar converter/target/sequin.jar convert "$src" -o "$work/seeds/$name.sqn" "$@" \
        >"$work/convert.log" 2>&1 || { cat "$work/convert.log" >&2; exit 1; }; }
    for w in f32 f16 bf16 int8; do convert $fixtures/onnx/lstm_bidirectional_sequence_lens/model.onnx "onnx_lstm_$w" --weights $w; done
    convert $fixtures/onnx/gru_linear_before_reset_bidirectional/model.onnx onnx_gru_bidirectional
    convert $fixtures/onnx/rnn_relu_thresholded_relu/model.onnx onnx_rnn_relu
    convert $fixtures/onnx/lstm_peepholes_clip/model.onnx onnx_lstm_peepholes --weights int8
    convert $fixtures/pytorch-state-dict/lstm_proj_size/model.pt torch_lstm_proj_size --weights bf16
    convert $fixtures/pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax/model.pt torch_composite_lm \
      --arch $fixtures/pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax/arch.json --weights int8
    for m in masking_bidirectional_gru_states embedding_mask_zero_gru_last functional_two_inputs_concatenate \
             bidirectional_lstm_merge_none_states simplernn_stack_dense; do
      convert $fixtures/tfjs/$m/model.json "tfjs_$m" --weights f16
    done ;;
  onnx) for f in $fixtures/onnx/*/model.onnx $fixtures/pytorch-onnx/*/model.onnx; do seed "$f"; done ;;
  npy) for f in $fixtures/onnx/*/data_0/*.npy $fixtures/tfjs/*/data_0/*.npy $fixtures/pytorch-state-dict/*/data_0/*.npy; do seed "$f"; done ;;
  state-dict) for f in $fixtures/pytorch-state-dict/*/model.pt $fixtures/pytorch-state-dict-unsupported/*.pt \
                      $fixtures/pytorch-module/*/model.pt $fixtures/pytorch-module-unsupported/*/model.pt; do seed "$f"; done ;;
  h5) for f in $fixtures/keras-h5/*/model.h5; do seed "$f"; done ;;
  keras) for f in $fixtures/keras3/*/model.keras; do seed "$f"; done ;;
  tfjs)
    for d in $fixtures/tfjs/*/; do
      { cat "$d/model.json"; printf '\0'; cat "$d/weights.bin"; } > "$work/seeds/$(basename "$d")"
    done ;;
esac
echo "== fuzzing $class#$method: $(ls "$work/seeds" | wc -l) seeds, $(ls "$committed" | wc -l) committed inputs, ${flags[*]}" >&2

jazzer() {
  java -Xmx1g --add-modules jdk.incubator.vector -cp "$cp" com.code_intelligence.jazzer.Jazzer \
    --target_class=io.sequin.fuzz.$class --target_method=$method \
    --instrumentation_includes='io.sequin.**:io.jhdf.**:com.google.flatbuffers.**' \
    --custom_hook_includes='io.sequin.**' "$@"
}
jazzer -timeout=10 -artifact_prefix="$work/findings/" --reproducer_path="$work/findings" \
  "$work/corpus" "$committed" "$work/seeds" "${flags[@]}"

# Keep in the committed corpus only the inputs that reach code the seeds and the committed inputs
# do not: merge into a copy of both, and commit the files the merge added.
if [ "${FUZZ_MERGE:-1}" = 0 ]; then
  echo "== FUZZ_MERGE=0: the committed corpus is left as it was" >&2
  exit 0
fi
merged=$work/merged
rm -rf "$merged"; mkdir -p "$merged"
cp "$work"/seeds/* "$committed"/* "$merged"/ 2>/dev/null || true
before=$(ls "$merged" | sort)
jazzer -merge=1 "$merged" "$work/corpus" >/dev/null 2>&1
added=0
for f in $(comm -13 <(echo "$before") <(ls "$merged" | sort)); do
  cp "$merged/$f" "$committed/$f"; added=$((added + 1))
done
echo "== merged: $added new inputs into $committed ($(ls "$committed" | wc -l) in all, $(du -sh "$committed" | cut -f1))" >&2
