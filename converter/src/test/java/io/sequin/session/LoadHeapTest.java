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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a model takes the heap the model takes, not that and the file's size again:
 * {@code Model.load(Path)} maps the file instead of reading it into a byte array. A 100 MB f32
 * LSTM (1024x2048) loads and steps, with the runtime alone (scalar kernels), in a child JVM whose
 * heap is 1.25 times the file; reading the file into the heap first needed more than 1.6 times.
 */
class LoadHeapTest {
    @Test
    void aLargeModelLoadsInAHeapAQuarterLargerThanItsFile(@TempDir Path tmp) throws Exception {
        Path sqn = tmp.resolve("lstm-1024x2048.sqn");
        Files.write(sqn, new ModelWriter("test").write(WeightQuantizer.quantize(RandomModels.layer(CellType.LSTM, 1024, 2048), WeightType.F32)));
        long size = Files.size(sqn);
        assertTrue(size > 100_000_000L, "file of " + size + " bytes");
        // The JVM rounds a heap size up to its alignment (2 MB here): ask for a multiple of it.
        long heap = size * 5 / 4 / (2 << 20) * (2 << 20);
        List<String> command = List.of(ChildJvm.java(), "-Xmx" + heap, "-cp", ChildJvm.runtimeOnlyClasspath(),
                RuntimeOnlyMain.class.getName(), sqn.toString(), "1");
        Process child = new ProcessBuilder(command).redirectOutput(tmp.resolve("stdout").toFile())
                .redirectError(tmp.resolve("stderr").toFile()).start();
        assertEquals(0, child.waitFor(), "a heap of " + heap + " bytes for a file of " + size + ": " + Files.readString(tmp.resolve("stderr")));
        List<String> lines = Files.readAllLines(tmp.resolve("stdout"));
        assertTrue(lines.get(1).startsWith("kernels scalar, max heap ") && Long.parseLong(lines.get(1).replaceAll(".* ", "")) <= heap,
                lines.get(1));
    }
}
