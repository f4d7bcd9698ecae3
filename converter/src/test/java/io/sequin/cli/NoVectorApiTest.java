package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.android.RuntimeOnlyMain;
import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.testing.ChildJvm;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime in a JVM started without {@code --add-modules jdk.incubator.vector}, as on
 * Android-like JVMs: it must load and run a model with the scalar kernels, say why once, and
 * never link the Panama class.
 */
class NoVectorApiTest {
    @TempDir
    Path tmp;

    private Process start(List<String> cliArgs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SequinCommand.class.getName());
        command.addAll(cliArgs);
        assertFalse(String.join(" ", command).contains("jdk.incubator.vector"), "the child JVM must not get the module");
        return new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile()).start();
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "int8"})
    void runsOnScalarKernelsAndSaysWhy(String weights) throws Exception {
        Path fixture = OnnxFixtureTest.root().resolve("gru_forward_random");
        Path sqn = tmp.resolve("m.sqn");
        CliRunner.run("convert", fixture.resolve("model.onnx").toString(), "-o", sqn.toString(), "--weights", weights)
                .requireSuccess();
        Path data = fixture.resolve("data_0");
        List<String> run = new ArrayList<>(List.of("run", sqn.toString(), "--verbose", "--out", tmp.resolve("child").toString(),
                "--input", "X=" + data.resolve("X.npy"), "--input", "initial_h=" + data.resolve("initial_h.npy")));
        Process child = start(run);
        assertEquals(0, child.waitFor(), Files.readString(tmp.resolve("stderr")));
        String stderr = Files.readString(tmp.resolve("stderr"), StandardCharsets.UTF_8);
        assertTrue(stderr.contains("Sequin kernels: scalar (the jdk.incubator.vector module is not enabled; "
                + "start the JVM with --add-modules jdk.incubator.vector)"), stderr);
        assertEquals(1, stderr.lines().filter(l -> l.contains("Sequin kernels")).count(), "logged once: " + stderr);

        // The same numbers as the scalar kernels give in this JVM, bit for bit.
        List<String> here = new ArrayList<>(run);
        here.set(run.indexOf("--out") + 1, tmp.resolve("here").toString());
        here.add("--kernels");
        here.add("scalar");
        CliRunner.run(here.toArray(new String[0])).requireSuccess();
        for (String output : List.of("Y.npy", "Y_h.npy")) {
            float[] child1 = Npy.read(tmp.resolve("child").resolve(output)).floats();
            float[] scalar = Npy.read(tmp.resolve("here").resolve(output)).floats();
            assertArrayEquals(scalar, child1, output);
            if (!weights.equals("f32")) {
                continue; // quantized: the accuracy report's business, tested elsewhere
            }
            float[] expected = Npy.read(data.resolve("expected_" + output)).floats();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], child1[i], 1e-5, output + "[" + i + "]");
            }
        }
    }

    /**
     * The runtime alone, as an app would ship it (runtime, schema and flatbuffers-java on the
     * classpath; no converter, no Vector API), with a 32 MB heap: it loads the demo's language
     * model (3.5 MB of f32 weights) and steps it to the same bits as the scalar kernels here.
     */
    @Test
    void theRuntimeAloneRunsTheDemoModelInA32MegabyteHeap() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("charlm"));
        for (String name : List.of("model.pt", "arch.json")) {
            try (var in = NoVectorApiTest.class.getResourceAsStream("/io/sequin/demo/charlm/" + name)) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        Path sqn = tmp.resolve("charlm.sqn");
        CliRunner.run("convert", dir.resolve("model.pt").toString(), "--arch", dir.resolve("arch.json").toString(), "-o", sqn.toString())
                .requireSuccess();
        List<String> command = List.of(ChildJvm.java(), "-Xmx32m", "-cp", ChildJvm.runtimeOnlyClasspath(),
                RuntimeOnlyMain.class.getName(), sqn.toString(), "300");
        Process child = new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile()).start();
        assertEquals(0, child.waitFor(), Files.readString(tmp.resolve("stderr")));
        List<String> lines = Files.readAllLines(tmp.resolve("stdout"));
        assertTrue(lines.get(1).startsWith("kernels scalar, max heap ") && Long.parseLong(lines.get(1).replaceAll(".* ", "")) <= 32L << 20,
                lines.get(1));

        Session here = Model.load(sqn).newSession(KernelSelection.select("scalar"));
        float[] x = new float[1];
        float[] y = new float[here.stepOutputSize()];
        for (int t = 0; t < 300; t++) {
            x[0] = t % 20;
            here.step(x, y);
        }
        StringBuilder bits = new StringBuilder();
        for (float v : y) {
            bits.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(' ');
        }
        assertEquals(bits.toString().trim(), lines.get(0), "the child's last step, bit for bit");
    }

    @Test
    void askingForPanamaExplainsHowToEnableIt() throws Exception {
        Path sqn = tmp.resolve("m.sqn");
        CliRunner.run("convert", OnnxFixtureTest.root().resolve("rnn_forward_random/model.onnx").toString(), "-o", sqn.toString())
                .requireSuccess();
        Process child = start(List.of("run", sqn.toString(), "--kernels", "panama", "--input", "X=x.npy", "--out", tmp.toString()));
        assertEquals(2, child.waitFor());
        String stderr = Files.readString(tmp.resolve("stderr"));
        assertTrue(stderr.contains("--add-modules jdk.incubator.vector"), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertFalse(new File(tmp.toFile(), "Y.npy").exists());
    }
}
