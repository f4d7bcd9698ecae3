#!/usr/bin/env bash
# Writes converter/src/test/resources/golden: .sqn files as a given Sequin wrote them, one per
# format version (and int8 weights), with the inputs and the outputs that Sequin computed then
# (scalar kernels). GoldenFilesTest checks that every later runtime still loads them and computes
# the same outputs. Run it only to add a golden file for a new format version; never to refresh
# the old ones (that would defeat them): comment out the lines of the versions that exist.
# Usage: tools/make-golden-sqn.sh [SEQUIN_JAR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$root/converter/target/sequin.jar}
fixtures=$root/converter/src/test/resources/fixtures
golden=$root/converter/src/test/resources/golden
sequin() { java --add-modules jdk.incubator.vector -jar "$jar" "$@" 2>/dev/null; }

make() {  # name, version, source fixture, convert arguments...
  local name=$1 version=$2 fixture=$3; shift 3
  local dir=$golden/$name
  rm -rf "$dir"; mkdir -p "$dir"
  local source
  for f in model.onnx model.pt model.json model.h5; do [ -f "$fixtures/$fixture/$f" ] && source=$fixtures/$fixture/$f; done
  sequin convert "$source" -o "$dir/model.sqn" "$@" >/dev/null
  local inputs=()
  for f in "$fixtures/$fixture"/data_0/*.npy; do
    case $(basename "$f") in expected_*) ;; *) cp "$f" "$dir/"; inputs+=(--input "$(basename "$f" .npy)=$f") ;; esac
  done
  sequin run "$dir/model.sqn" "${inputs[@]}" --kernels scalar --out "$dir/out" >/dev/null
  for f in "$dir"/out/*.npy; do mv "$f" "$dir/expected_$(basename "$f")"; done
  rmdir "$dir/out"
  printf 'format_version %s\nwritten by %s from fixtures/%s %s\n' "$version" "$(sequin --version | head -n 1)" "$fixture" "$*" > "$dir/golden.txt"
  echo "wrote $dir" >&2
}

make v1_lstm_bidirectional_sequence_lens 1 onnx/lstm_bidirectional_sequence_lens
make v1_gru_int8 1 onnx/gru_forward_random --weights int8
make v2_lstm_proj_size 2 pytorch-state-dict/lstm_proj_size
make v3_keras_masking_bidirectional_gru 3 tfjs/masking_bidirectional_gru_states
make v4_onnx_packed_state 4 exporter-onnx/realtime_lstm_packed_state
