#!/usr/bin/env bash
# Regenerates the Java classes of schema/src/main/fbs/sequin.fbs into schema/src/main/java.
# With --check, generates into a temporary folder and fails if the committed classes differ
# (run in CI so that the schema and its generated code never drift apart).
# Needs flatc 2.0.8 exactly: the generated code calls Constants.FLATBUFFERS_2_0_8(), which only
# flatbuffers-java 2.0.8 provides. Debian's package flatbuffers-compiler is that version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
schema="$root/schema/src/main/fbs/sequin.fbs"
committed="$root/schema/src/main/java"
want="flatc version 2.0.8"

if ! command -v flatc >/dev/null 2>&1; then
  echo "regenerate-schema: flatc not found; install it with: apt-get install flatbuffers-compiler" >&2
  exit 1
fi
have=$(flatc --version)
if [ "$have" != "$want" ]; then
  echo "regenerate-schema: need '$want', found '$have'" >&2
  exit 1
fi

if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  flatc --java -o "$tmp" "$schema"
  if ! diff -r "$tmp/io/sequin/schema" "$committed/io/sequin/schema"; then
    echo "regenerate-schema: generated code differs from $schema; run tools/regenerate-schema.sh" >&2
    exit 1
  fi
  echo "regenerate-schema: generated code matches the schema"
else
  rm -rf "$committed/io/sequin/schema"
  flatc --java -o "$committed" "$schema"
  echo "regenerate-schema: wrote $committed/io/sequin/schema"
fi
