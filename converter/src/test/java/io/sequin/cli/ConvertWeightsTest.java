package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.sequin.npy.Npy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code convert --weights}: the stored types, the accuracy report, and what inspect and run make of the result. */
class ConvertWeightsTest {
    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"f16", "bf16", "int8"})
    void quantizedModelsReportTheirAccuracyAndRun(String type) throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("lstm_bidirectional_sequence_lens");
        Path sqn = tmp.resolve(type + ".sqn");
        CliRunner convert = CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", sqn.toString(),
                "--weights", type, "--json").requireSuccess();
        JsonNode result = JSON.readTree(convert.out);
        assertEquals(type, result.get("weights").asText());
        assertEquals(Files.size(sqn), result.get("bytes").asLong());
        assertTrue(result.get("size_vs_f32").asDouble() < 1, "smaller than f32: " + result.get("size_vs_f32"));
        JsonNode tensors = result.get("accuracy").get("tensors");
        List<String> names = new ArrayList<>();
        for (JsonNode t : tensors) {
            names.add(t.get("name").asText());
            double error = t.get("max_abs_error").asDouble();
            assertTrue(error > 0 && error < 0.05, t.get("name") + " max abs error " + error);
            assertTrue(t.get("cosine").asDouble() > 0.999, t.get("name") + " cosine " + t.get("cosine"));
        }
        assertEquals(List.of("Y", "Y_h", "Y_c"), names);
        assertTrue(result.get("accuracy").get("inputs").get("X").asText().startsWith("random N(0,1), seed 42"));

        JsonNode inspect = JSON.readTree(CliRunner.run("inspect", sqn.toString(), "--json").requireSuccess().out);
        for (JsonNode w : inspect.get("layers").get(0).get("weights")) {
            String name = w.get("name").asText();
            String expected = name.endsWith(".W") || name.endsWith(".R") ? type : "f32";
            assertEquals(expected, w.get("dtype").asText(), name);
        }
        assertTrue(inspect.get("weight_bytes").asLong() < inspect.get("weight_bytes_as_f32").asLong());

        // The quantized model still computes the ONNX Runtime outputs, up to the quantization error.
        Path out = tmp.resolve("out-" + type);
        Path data = fixture.resolve("data_0");
        CliRunner.run("run", sqn.toString(), "--input", "X=" + data.resolve("X.npy"),
                "--input", "sequence_lens=" + data.resolve("sequence_lens.npy"),
                "--input", "initial_h=" + data.resolve("initial_h.npy"), "--input", "initial_c=" + data.resolve("initial_c.npy"),
                "--out", out.toString()).requireSuccess();
        float[] expected = Npy.read(data.resolve("expected_Y.npy")).floats();
        float[] actual = Npy.read(out.resolve("Y.npy")).floats();
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst > 0 && worst < 0.05, type + ": Y differs from ONNX Runtime's by " + worst);
    }

    @Test
    void theTextReportNamesEveryOutputAndTheCalibrationInput() throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("gru_forward_random");
        Path x = fixture.resolve("data_1").resolve("X.npy");
        CliRunner r = CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", tmp.resolve("g.sqn").toString(),
                "--weights", "int8", "--calibration", "X=" + x).requireSuccess();
        assertTrue(r.out.contains("accuracy of int8 weights against f32:"), r.out);
        assertTrue(r.out.contains("input X: " + x + ", shape " + Arrays.toString(Npy.read(x).shape())), r.out);
        assertTrue(r.out.contains("size: 0."), r.out);
        for (String output : new String[] {"Y ", "Y_h "}) {
            assertTrue(r.out.contains("\n  " + output), "a row for " + output + ": " + r.out);
        }
    }

    @Test
    void f32ConversionPrintsNoReport() throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("gru_forward_random");
        CliRunner r = CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", tmp.resolve("g.sqn").toString())
                .requireSuccess();
        assertFalse(r.out.contains("accuracy"), r.out);
        assertTrue(r.out.contains("f32 weights"), r.out);
    }

    @Test
    void calibrationMistakesAreReported() throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("gru_forward_random");
        String model = fixture.resolve("model.onnx").toString();
        String x = fixture.resolve("data_0").resolve("X.npy").toString();
        CliRunner unknown = CliRunner.run("convert", model, "-o", tmp.resolve("a.sqn").toString(), "--weights", "int8",
                "--calibration", "Q=" + x);
        assertEquals(1, unknown.exitCode);
        assertTrue(unknown.err.contains("--calibration Q") && unknown.err.contains("X"), unknown.err);
        assertFalse(Files.exists(tmp.resolve("a.sqn")));

        CliRunner withoutWeights = CliRunner.run("convert", model, "-o", tmp.resolve("b.sqn").toString(), "--calibration", "X=" + x);
        assertEquals(2, withoutWeights.exitCode);
        assertTrue(withoutWeights.err.contains("--weights"), withoutWeights.err);
    }

    @Test
    void aWeightThatIsNotFiniteCannotBeQuantized() throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("lstm_forward_random");
        var model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fixture.resolve("model.onnx")));
        var graph = model.getGraph().toBuilder();
        boolean changed = false;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            var init = graph.getInitializer(i);
            if (init.getName().equals("R")) {
                var b = init.toBuilder();
                if (!init.getRawData().isEmpty()) {
                    ByteBuffer raw = ByteBuffer.wrap(init.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                    raw.putFloat(4 * 5, Float.NaN);
                    b.setRawData(ByteString.copyFrom(raw.array()));
                } else {
                    b.setFloatData(5, Float.NaN);
                }
                graph.setInitializer(i, b);
                changed = true;
            }
        }
        assertTrue(changed, "the fixture has an initializer R");
        Path bad = Files.write(tmp.resolve("nan.onnx"), model.toBuilder().setGraph(graph).build().toByteArray());
        Path out = tmp.resolve("nan.sqn");
        CliRunner r = CliRunner.run("convert", bad.toString(), "-o", out.toString(), "--weights", "int8");
        assertEquals(1, r.exitCode, r.err);
        assertTrue(r.err.contains("NaN") && r.err.contains(".R") && r.err.contains("[0, 5]"), r.err);
        assertFalse(Files.exists(out));
        // f32 keeps it: a NaN weight is the model's business, not the converter's.
        CliRunner.run("convert", bad.toString(), "-o", out.toString()).requireSuccess();
    }
}
