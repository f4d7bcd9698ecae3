package io.sequin.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sequin.npy.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fuzz targets take the real files they are seeded with all the way: every fixture reads,
 * converts, loads and runs through its target. A target that refused everything would fuzz
 * nothing but its first check.
 */
class FuzzSeedsTest {
    private static final Path FIXTURES = resource("/fixtures");

    private static Path resource(String name) {
        try {
            return Path.of(FuzzSeedsTest.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> files(String glob) throws IOException {
        var matcher = FIXTURES.getFileSystem().getPathMatcher("glob:" + FIXTURES + "/" + glob);
        try (Stream<Path> all = Files.walk(FIXTURES)) {
            return all.filter(matcher::matches).sorted().collect(Collectors.toList());
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the target on each file; every one must complete a model run. */
    private static void allComplete(List<Path> files, Consumer<byte[]> target) {
        int before = Exercise.completed;
        for (Path f : files) {
            target.accept(read(f));
        }
        assertEquals(files.size(), Exercise.completed - before, "fixtures that ran to the end, of " + files);
    }

    @Test
    void sqn() throws IOException {
        List<Path> golden;
        try (Stream<Path> all = Files.walk(resource("/golden"))) {
            golden = all.filter(p -> p.toString().endsWith(".sqn")).collect(Collectors.toList());
        }
        allComplete(golden, new SqnFuzzTest()::loadAndRun);
    }

    @Test
    void onnx() throws IOException {
        allComplete(files("{onnx,pytorch-onnx}/*/model.onnx"), new OnnxFuzzTest()::importModel);
    }

    @Test
    void stateDict() throws IOException {
        // Composite state_dicts need --arch, which the target does not give: the bare RNN modules only.
        List<Path> bare = files("pytorch-state-dict/*/model.pt").stream()
                .filter(p -> !p.getParent().getFileName().toString().startsWith("composite")).collect(Collectors.toList());
        allComplete(bare, new StateDictFuzzTest()::importStateDict);
    }

    @Test
    void kerasH5() throws IOException {
        allComplete(files("keras-h5/*/model.h5"), new KerasFuzzTest()::h5);
    }

    @Test
    void kerasZip() throws IOException {
        allComplete(files("keras3/*/model.keras"), new KerasFuzzTest()::kerasZip);
    }

    @Test
    void tfjs() throws IOException {
        List<Path> models = files("tfjs/*/model.json");
        int before = Exercise.completed;
        for (Path model : models) {
            byte[] joined = concat(read(model), new byte[1], read(model.resolveSibling("weights.bin")));
            new KerasFuzzTest().tfjs(joined);
        }
        assertEquals(models.size(), Exercise.completed - before);
    }

    @Test
    void npy() throws Exception {
        for (Path f : files("onnx/*/data_0/*.npy")) {
            Npy.read(read(f));
            new NpyFuzzTest().read(read(f));
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
