package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.android.RuntimeOnlyMain;
import io.sequin.layer.CellType;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.WeightType;
import io.sequin.testing.ChildJvm;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Loading a model takes the heap its weights take, once: {@code Model.load(Path)} maps the file,
 * and each matrix stays there until a session lays it out for its kernels, a few rows at a time.
 * A 100 MB f32 LSTM (1024x2048) loads and steps, with the runtime alone, in a child JVM whose heap
 * is 1.25 times the file, with the scalar kernels and with the Panama ones (whose panels are a
 * layout of their own; a split step reads slices of them); after a full collection it holds at
 * most 1.1 times the file. Reading the file into the heap first needed more than 1.6 times, and
 * packing panels beside the stored matrices about 2.
 */
class LoadHeapTest {
    private static Path dir;
    private static Path sqn;

    @BeforeAll
    static void writeModel() throws Exception {
        dir = Files.createTempDirectory("load-heap");
        sqn = dir.resolve("lstm-1024x2048.sqn");
        Files.write(sqn, new ModelWriter("test").write(WeightQuantizer.quantize(RandomModels.layer(CellType.LSTM, 1024, 2048), WeightType.F32)));
    }

    @AfterAll
    static void deleteModel() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @ParameterizedTest(name = "{0} kernels, {1} threads")
    @CsvSource({"scalar, 1", "panama, 2"})
    void aLargeModelLoadsInAHeapAQuarterLargerThanItsFile(String kernels, int threads) throws Exception {
        long size = Files.size(sqn);
        assertTrue(size > 100_000_000L, "file of " + size + " bytes");
        // The JVM rounds a heap size up to its alignment (2 MB here): ask for a multiple of it.
        long heap = size * 5 / 4 / (2 << 20) * (2 << 20);
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), "-Xmx" + heap));
        if (kernels.equals("panama")) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        command.addAll(List.of("-cp", ChildJvm.runtimeOnlyClasspath(), RuntimeOnlyMain.class.getName(), sqn.toString(), "1", kernels,
                String.valueOf(threads)));
        Path out = dir.resolve(kernels + ".stdout");
        Path err = dir.resolve(kernels + ".stderr");
        Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertEquals(0, child.waitFor(), "a heap of " + heap + " bytes for a file of " + size + ": " + Files.readString(err));
        List<String> lines = Files.readAllLines(out);
        assertTrue(lines.get(1).startsWith("kernels " + kernels + ", max heap ") && Long.parseLong(lines.get(1).replaceAll(".* ", "")) <= heap,
                lines.get(1));
        long used = Long.parseLong(lines.get(2).replace("heap used after gc ", ""));
        System.out.printf("%s kernels, %d threads: file %,d bytes, max heap %,d, heap used after gc %,d (%.3f of the file)%n", kernels,
                threads, size, heap, used, (double) used / size);
        assertTrue(used <= size * 1.1, "heap used after gc " + used + " for a file of " + size);
    }
}
