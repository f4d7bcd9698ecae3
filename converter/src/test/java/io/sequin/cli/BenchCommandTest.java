package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's shape and the refusals; the speed itself belongs to JMH, not to a unit test. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    private Path convert(String fixture) throws Exception {
        Path sqn = tmp.resolve(fixture + ".sqn");
        CliRunner.run("convert", OnnxFixtureTest.root().resolve(fixture + "/model.onnx").toString(), "-o", sqn.toString())
                .requireSuccess();
        return sqn;
    }

    @Test
    void jsonReportHasTheDocumentedKeys() throws Exception {
        Path sqn = convert("gru_forward_random");
        for (String kernels : new String[] {"scalar", "panama"}) {
            CliRunner r = CliRunner.run("bench", sqn.toString(), "--kernels", kernels, "--steps", "500",
                    "--warmup-seconds", "0", "--json").requireSuccess();
            JsonNode report = new ObjectMapper().readTree(r.out);
            for (String key : new String[] {"median_ns_per_step", "p99_ns_per_step", "steps_per_second",
                    "bytes_allocated_per_step", "kernels", "threads", "vector_bits", "jdk", "cpu", "cpu_vector_flags", "load_ms",
                "first_step_ms"}) {
                assertTrue(report.has(key), key + " missing from " + r.out);
            }
            assertEquals(Machine.current().cpu(), report.get("cpu").asText());
            assertTrue(report.get("cpu_vector_flags").isArray(), r.out);
            assertEquals(Machine.current().vectorFlags().size(), report.get("cpu_vector_flags").size(), r.out);
            assertEquals(kernels, report.get("kernels").asText());
            assertTrue(report.get("median_ns_per_step").asLong() > 0);
            assertTrue(report.get("p99_ns_per_step").asLong() >= report.get("median_ns_per_step").asLong());
            assertTrue(report.get("bytes_allocated_per_step").asDouble() >= 0);
            assertTrue(report.get("load_ms").asDouble() > 0 && report.get("first_step_ms").asDouble() > 0, r.out);
            assertEquals(kernels.equals("scalar"), report.get("vector_bits").asInt() == 0);
        }
    }

    @Test
    void textReportNamesKernelsJdkAndCpu() throws Exception {
        CliRunner r = CliRunner.run("bench", convert("lstm_forward_random").toString(), "--steps", "100", "--warmup-seconds", "0")
                .requireSuccess();
        assertTrue(r.out.contains("kernels      panama") && r.out.contains("jdk ") && r.out.contains("us/step")
                && r.out.contains("cpu          " + Machine.current().describe()), r.out);
    }

    /** --threads reaches the session (a layer this small is not split, so the report is all there is to see) and is checked. */
    @Test
    void threadsAreReportedAndChecked() throws Exception {
        Path sqn = convert("gru_forward_random");
        CliRunner r = CliRunner.run("bench", sqn.toString(), "--threads", "2", "--steps", "100", "--warmup-seconds", "0", "--json")
                .requireSuccess();
        assertEquals(2, new ObjectMapper().readTree(r.out).get("threads").asInt(), r.out);
        for (String bad : new String[] {"0", "257", "x"}) {
            CliRunner refused = CliRunner.run("bench", sqn.toString(), "--threads", bad);
            assertEquals(2, refused.exitCode, bad + ": " + refused.err);
            assertTrue(refused.err.contains("--threads"), refused.err);
        }
        CliRunner run = CliRunner.run("run", sqn.toString(), "--threads", "0", "--input", "x.npy", "--out", tmp.toString());
        assertEquals(2, run.exitCode, run.err);
        assertTrue(run.err.contains("--threads must be between 1 and 256"), run.err);
    }

    /** A model that starts with an embedding is stepped with token ids, not random floats it would refuse. */
    @Test
    void aLanguageModelIsSteppedWithTokenIds() throws Exception {
        Path sqn = tmp.resolve("lm.sqn");
        CliRunner.run("convert", OnnxFixtureTest.root().resolve("../pytorch-onnx/embedding_lstm_linear_logsoftmax_opset15/model.onnx")
                .toString(), "-o", sqn.toString()).requireSuccess();
        CliRunner r = CliRunner.run("bench", sqn.toString(), "--steps", "50", "--warmup-seconds", "0", "--json").requireSuccess();
        assertTrue(new ObjectMapper().readTree(r.out).get("median_ns_per_step").asLong() > 0, r.out);
    }

    @Test
    void bidirectionalModelCannotBeStepped() throws Exception {
        CliRunner r = CliRunner.run("bench", convert("lstm_bidirectional_sequence_lens").toString(), "--steps", "10");
        assertEquals(1, r.exitCode);
        assertTrue(r.err.contains("cannot be stepped") && r.err.contains("bidirectional"), r.err);
        assertEquals(2, CliRunner.run("bench", "x.sqn", "--steps", "0").exitCode);
    }
}
