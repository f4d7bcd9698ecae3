#!/usr/bin/env bash
# Runs the example job (io.sequin.flink.example.NextCharacterJob, in the flink module's test
# sources) on a local Flink mini cluster: four readers each type a passage of the demo's text,
# and the demo's language model, its state kept per reader in Flink, guesses each next character.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests install
mvn -B -ntp -q -pl flink test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/flink/target/test.classpath"
exec java --add-modules jdk.incubator.vector -cp "flink/target/test-classes:flink/target/classes:$(cat flink/target/test.classpath)" \
  io.sequin.flink.example.NextCharacterJob "$@"
