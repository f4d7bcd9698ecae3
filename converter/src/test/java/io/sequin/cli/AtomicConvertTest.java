package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sequin.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conversion that fails or is killed never leaves a partial {@code .sqn}: the output appears
 * whole or not at all, and an existing one is replaced whole or kept.
 */
class AtomicConvertTest {
    @TempDir
    Path tmp;

    private static Path demo(String name) throws Exception {
        return Path.of(AtomicConvertTest.class.getResource("/io/sequin/demo/charlm/" + name).toURI());
    }

    @Test
    void aFailedConversionKeepsTheOldOutputAndLeavesNothingElse() throws Exception {
        Path out = tmp.resolve("model.sqn");
        byte[] old = {1, 2, 3};
        Files.write(out, old);
        Path garbage = Files.write(tmp.resolve("garbage.onnx"), new byte[] {0x08, 0x7f, 0x7f});
        CliRunner r = CliRunner.run("convert", garbage.toString(), "-o", out.toString());
        assertEquals(1, r.exitCode, r.err);
        assertArrayEquals(old, Files.readAllBytes(out));
        assertEquals(List.of("garbage.onnx", "model.sqn"), names());
    }

    /**
     * Converting the 3.5 MB demo model with int8 weights (and its accuracy report) in a child JVM,
     * killed with SIGKILL at 3/6 to 8/6 of the time one whole conversion takes on this machine,
     * so that the kills fall around its end, where the file is written: each time, the output is absent or a whole model that loads. (A SIGKILL during the write can
     * leave the hidden temporary file, {@code .lm.sqn.*.tmp}, which no finally block gets to delete;
     * never a partial {@code lm.sqn}.) The kill times only place the kills; nothing asserts on time.
     */
    @Test
    void aKilledConversionLeavesTheOutputWholeOrAbsent() throws Exception {
        Path out = tmp.resolve("lm.sqn");
        long start = System.nanoTime();
        assertEquals(0, convert(out).waitFor(), "a whole conversion");
        long whole = System.nanoTime() - start;
        Model.load(out);
        int complete = 0;
        for (int k = 3; k <= 8; k++) {
            Files.deleteIfExists(out);
            Process child = convert(out);
            child.waitFor(whole * k / 6, TimeUnit.NANOSECONDS);
            child.destroyForcibly().waitFor();
            if (Files.exists(out)) {
                Model.load(out);
                complete++;
            }
        }
        System.out.printf("killed conversions: %d left a whole model, %d none%n", complete, 6 - complete);
    }

    private Process convert(Path out) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "io.sequin.cli.SequinCommand", "convert", demo("model.pt").toString(), "--arch", demo("arch.json").toString(),
                "--weights", "int8", "-o", out.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    }

    private List<String> names() throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
