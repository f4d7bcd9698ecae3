package io.sequin.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files written by earlier versions of Sequin (src/test/resources/golden, one per format version,
 * made once by tools/make-golden-sqn.sh and never refreshed) still load in this runtime and
 * compute the outputs recorded when they were written; the same bytes with a format version newer
 * than this runtime's are refused, naming both versions.
 */
class GoldenFilesTest {
    static Stream<Path> golden() throws Exception {
        Path root = Path.of(GoldenFilesTest.class.getResource("/golden").toURI());
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
        }
        assertTrue(dirs.size() >= 4, "golden files missing");
        return dirs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void oldFilesLoadAndComputeWhatTheyComputedThen(Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(dir.resolve("model.sqn"));
        int version = Integer.parseInt(Files.readAllLines(dir.resolve("golden.txt")).get(0).replace("format_version ", "").trim());
        Model model = Model.load(bytes);
        assertEquals(version, model.formatVersion());
        Map<String, Tensor> inputs = new HashMap<>();
        Map<String, Tensor> expected = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".npy"))::iterator) {
                String name = p.getFileName().toString().replace(".npy", "");
                if (name.startsWith("expected_")) {
                    expected.put(name.substring("expected_".length()), Npy.read(p));
                } else {
                    inputs.put(name, Npy.read(p));
                }
            }
        }
        for (String kernels : new String[] {"scalar", "panama"}) {
            Map<String, Tensor> out = model.newSession(KernelSelection.select(kernels)).run(inputs);
            assertEquals(expected.keySet(), out.keySet());
            for (var e : expected.entrySet()) {
                float[] want = e.getValue().floats();
                float[] got = out.get(e.getKey()).floats();
                if (kernels.equals("scalar")) {
                    assertArrayEquals(want, got, dir.getFileName() + " " + e.getKey() + ": scalar bits as recorded");
                } else {
                    assertArrayEquals(want, got, 1e-5f, dir.getFileName() + " " + e.getKey() + " (panama)");
                }
            }
        }
        // The same file claiming a newer format than this runtime reads.
        int newer = Model.supportedFormatVersion() + 1;
        byte[] future = bytes.clone();
        ByteBuffer bb = ByteBuffer.wrap(future).order(ByteOrder.LITTLE_ENDIAN);
        // FlatBuffers: the root table's vtable gives field 0 (format_version)'s offset in the table.
        int table = bb.getInt(0);
        int field = bb.getShort(table - bb.getInt(table) + 4);
        assertTrue(field != 0, "format_version is in the file");
        bb.putInt(table + field, newer);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(future));
        assertTrue(e.getMessage().contains("format version " + newer) && e.getMessage().contains("version " + Model.supportedFormatVersion()),
                e.getMessage());
    }
}
