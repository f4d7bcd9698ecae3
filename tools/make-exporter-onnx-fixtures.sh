#!/usr/bin/env bash
# Regenerates converter/src/test/resources/fixtures/exporter-onnx with tools/MakeExporterOnnxFixtures.java:
# random-weight ONNX graphs in tf2onnx's and keras2onnx's shapes, and their expected outputs from ONNX
# Runtime's Java binding.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests -pl converter -am install
mvn -B -ntp -q -pl converter dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
cp=$(cat converter/target/test-classpath.txt)
java -cp "converter/target/classes:$cp" tools/MakeExporterOnnxFixtures.java
