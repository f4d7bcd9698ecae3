package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.npy.Npy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -Dsequin.vectorBits} in a child JVM (the width is chosen once per JVM): {@code run}
 * computes with the width asked for and says so once, {@code bench} reports it, a width the
 * CPU does not offer is clamped, and a value that is not a width is ignored with a warning.
 */
class VectorWidthTest {
    @TempDir
    Path tmp;

    /**
     * The command line in a child JVM with {@code -D<property>} (none if empty) and this JVM's
     * -XX flags, which may narrow the vectors the CPU offers; returns its stdout and stderr.
     */
    private String child(String property, String... cliArgs) throws Exception {
        return child(List.of(), property, cliArgs);
    }

    private String child(List<String> jvmFlags, String property, String... cliArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-XX:")).forEach(command::add);
        command.addAll(jvmFlags);
        if (!property.isEmpty()) {
            command.add("-D" + property);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SequinCommand.class.getName()));
        command.addAll(List.of(cliArgs));
        Process p = new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile()).start();
        assertEquals(0, p.waitFor(), Files.readString(tmp.resolve("stderr")));
        return Files.readString(tmp.resolve("stdout"), StandardCharsets.UTF_8) + Files.readString(tmp.resolve("stderr"), StandardCharsets.UTF_8);
    }

    private Path model() throws Exception {
        Path sqn = tmp.resolve("m.sqn");
        CliRunner.run("convert", OnnxFixtureTest.root().resolve("lstm_forward_random/model.onnx").toString(), "-o", sqn.toString())
                .requireSuccess();
        return sqn;
    }

    /** The vector width a child JVM picks when nothing narrows it: the widest the CPU offers. */
    private int offered(Path sqn) throws Exception {
        return bench("", sqn).get("vector_bits").asInt();
    }

    private JsonNode bench(String property, Path sqn) throws Exception {
        String out = child(property, "bench", sqn.toString(), "--steps", "50", "--warmup-seconds", "0", "--json");
        return new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(out)));
    }

    @Test
    void runComputesWithTheWidthAskedForAndSaysSoOnce() throws Exception {
        Path data = OnnxFixtureTest.root().resolve("lstm_forward_random/data_0");
        Path sqn = model();
        int offered = offered(sqn);
        String out = child("sequin.vectorBits=128", "run", sqn.toString(), "--verbose", "--out", tmp.resolve("o").toString(),
                "--input", "X=" + data.resolve("X.npy"), "--input", "initial_h=" + data.resolve("initial_h.npy"),
                "--input", "initial_c=" + data.resolve("initial_c.npy"));
        String expectedLine = "Sequin kernels: panama, 128-bit vectors (4 floats)" + (offered == 128 ? "" : "; -Dsequin.vectorBits=128");
        assertTrue(out.contains(expectedLine), out);
        assertEquals(1, out.lines().filter(l -> l.contains("Sequin kernels")).count(), out);
        float[] expected = Npy.read(data.resolve("expected_Y.npy")).floats();
        float[] y = Npy.read(tmp.resolve("o/Y.npy")).floats();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y[i], 1e-5, "Y[" + i + "]");
        }
    }

    @Test
    void benchReportsTheWidthInUseClampedToWhatTheCpuOffers() throws Exception {
        Path sqn = model();
        int offered = offered(sqn);
        assertTrue(offered >= 128, "offered " + offered);
        for (String bits : new String[] {"128", "256", "512"}) {
            JsonNode report = bench("sequin.vectorBits=" + bits, sqn);
            assertEquals(Math.min(Integer.parseInt(bits), offered), report.get("vector_bits").asInt(), bits + ": " + report);
        }
        String text = child("sequin.vectorBits=1024", "bench", sqn.toString(), "--steps", "50", "--warmup-seconds", "0");
        assertTrue(text.contains("panama, " + offered + "-bit vectors")
                && text.contains("ignoring -Dsequin.vectorBits=1024: expected 128, 256 or 512"), text);
        // A JVM allowed 128-bit vectors only, as on a CPU with nothing wider.
        String narrow = child(List.of("-XX:MaxVectorSize=16"), "sequin.vectorBits=512", "bench", sqn.toString(), "--steps", "50",
                "--warmup-seconds", "0");
        assertTrue(narrow.contains("panama, 128-bit vectors (4 floats); -Dsequin.vectorBits=512 clamped to the 128 bits this CPU and JVM offer"),
                narrow);
    }

    /**
     * -Dsequin.vectorBitsBeyondCpu lets a test run wider vectors than the JVM allows, in the
     * Vector API's plain-Java fallback (the CPU matrix's wide cells): the width is the one asked
     * for, the log line says why, and the outputs are still ONNX Runtime's.
     */
    @Test
    void beyondTheCpuComputesWithTheWidthAskedForAndSaysSo() throws Exception {
        Path data = OnnxFixtureTest.root().resolve("lstm_forward_random/data_0");
        Path sqn = model();
        String out = child(List.of("-XX:MaxVectorSize=16", "-Dsequin.vectorBitsBeyondCpu=true"), "sequin.vectorBits=512", "run",
                sqn.toString(), "--verbose", "--out", tmp.resolve("o").toString(), "--input", "X=" + data.resolve("X.npy"),
                "--input", "initial_h=" + data.resolve("initial_h.npy"), "--input", "initial_c=" + data.resolve("initial_c.npy"));
        assertTrue(out.contains("Sequin kernels: panama, 512-bit vectors (16 floats); -Dsequin.vectorBits=512; this CPU and JVM offer 128"
                + " (-Dsequin.vectorBitsBeyondCpu: the Vector API's slow plain-Java fallback, for tests)"), out);
        float[] expected = Npy.read(data.resolve("expected_Y.npy")).floats();
        float[] y = Npy.read(tmp.resolve("o/Y.npy")).floats();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y[i], 1e-5, "Y[" + i + "]");
        }
    }
}
