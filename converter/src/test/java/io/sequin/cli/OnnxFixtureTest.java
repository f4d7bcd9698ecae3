package io.sequin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture under src/test/resources/fixtures (onnx, pytorch-onnx, pytorch-state-dict, tfjs, keras-h5) goes
 * through the command line ({@code convert}, then {@code run} on each data set) and must
 * reproduce the expected outputs within 1e-5. Each case's reference.txt says where its numbers
 * come from: fixtures/onnx from ONNX Runtime's Java binding (tools/MakeOnnxFixtures.java; layout
 * 1, which ORT runs only as a transposed layout-0 twin, is explained there), fixtures/pytorch-onnx
 * from PyTorch itself on models it exported (tools/make-pytorch-onnx-fixtures.py), and
 * fixtures/pytorch-state-dict from PyTorch on the modules whose state_dicts were saved
 * (tools/make-pytorch-state-dict-fixtures.py), fixtures/tfjs from TensorFlow.js on the Keras-style
 * models it built and saved (tools/tfjs/make-tfjs-fixtures.js), fixtures/keras-h5 the same
 * models and numbers written as Keras 2 HDF5 files (tools/make-keras-h5-fixtures.py) and some as
 * Keras 1 files (*_keras1, tools/make-keras1-h5-fixtures.py), and fixtures/keras3 some as Keras 3
 * .keras files (tools/make-keras3-fixtures.py, which says why one case's numbers differ), and
 * fixtures/keras-weights-only some as an architecture and weights apart
 * (tools/make-keras-weights-only-fixtures.py), and fixtures/exporter-onnx graphs in tf2onnx's and
 * keras2onnx's shapes, from ONNX Runtime (tools/MakeExporterOnnxFixtures.java), and
 * fixtures/pytorch-module whole models saved by torch.save(model), from PyTorch
 * (tools/make-pytorch-module-fixtures.py).
 */
class OnnxFixtureTest {
    static final double TOLERANCE = 1e-5;

    static Stream<Path> fixtures() throws Exception {
        return Stream.of(cases(root(), 17), cases(fixtureRoot("pytorch-onnx"), 10), cases(fixtureRoot("pytorch-state-dict"), 11),
                cases(fixtureRoot("tfjs"), 19), cases(fixtureRoot("keras-h5"), 24),
                cases(fixtureRoot("keras3"), 10), cases(fixtureRoot("keras-weights-only"), 4),
                cases(fixtureRoot("exporter-onnx"), 7), cases(fixtureRoot("pytorch-module"), 4))
                .flatMap(s -> s);
    }

    private static Path fixtureRoot(String name) throws URISyntaxException {
        return Path.of(OnnxFixtureTest.class.getResource("/fixtures/" + name).toURI());
    }

    private static Stream<Path> cases(Path root, int atLeast) throws Exception {
        List<Path> cases = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).sorted().forEach(cases::add);
        }
        assertTrue(cases.size() >= atLeast, "fixtures missing under " + root);
        return cases.stream();
    }

    /** Every fixture under each kernel set: the Panama kernels must reproduce ORT as the scalar ones do. */
    static Stream<Arguments> fixturesAndKernels() throws Exception {
        List<Arguments> args = new ArrayList<>();
        for (Path fixture : (Iterable<Path>) fixtures()::iterator) {
            for (String kernels : List.of("scalar", "panama")) {
                args.add(Arguments.of(fixture.getParent().getFileName() + "/" + fixture.getFileName(), kernels, fixture));
            }
        }
        return args.stream();
    }

    static Path root() throws URISyntaxException {
        return Path.of(OnnxFixtureTest.class.getResource("/fixtures/onnx").toURI());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixturesAndKernels")
    void reproducesTheReference(String fixtureName, String kernels, Path fixture, @TempDir Path tmp) throws Exception {
        Path sqn = tmp.resolve("model.sqn");
        // A state_dict (model.pt) cannot record everything; convert-args.txt has the options it needs.
        Path model = fixture.resolve("model.onnx");
        for (String other : List.of("model.pt", "model.json", "model.h5", "model.keras")) {
            if (Files.exists(fixture.resolve(other))) {
                model = fixture.resolve(other);
            }
        }
        List<String> convert = new ArrayList<>(List.of("convert", model.toString(), "-o", sqn.toString()));
        if (Files.exists(fixture.resolve("weights.h5"))) {
            // An architecture (model.json from to_json) and its weights (save_weights).
            convert.addAll(List.of("--keras-weights", fixture.resolve("weights.h5").toString()));
        }
        if (Files.exists(fixture.resolve("arch.json"))) {
            convert.addAll(List.of("--arch", fixture.resolve("arch.json").toString()));
        }
        Path extra = fixture.resolve("convert-args.txt");
        if (Files.exists(extra)) {
            for (String a : Files.readString(extra).trim().split("\\s+")) {
                if (!a.isEmpty()) {
                    convert.add(a);
                }
            }
        }
        CliRunner.run(convert.toArray(new String[0])).requireSuccess();
        List<Path> dataSets = new ArrayList<>();
        try (Stream<Path> s = Files.list(fixture)) {
            s.filter(p -> p.getFileName().toString().startsWith("data_")).sorted().forEach(dataSets::add);
        }
        assertTrue(dataSets.size() >= 2, "each fixture has two data sets");
        for (Path data : dataSets) {
            List<String> args = new ArrayList<>(List.of("run", sqn.toString(), "--kernels", kernels,
                    "--out", tmp.resolve(data.getFileName()).toString()));
            List<Path> expected = new ArrayList<>();
            try (Stream<Path> s = Files.list(data)) {
                for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                    String name = p.getFileName().toString();
                    if (name.startsWith("expected_")) {
                        expected.add(p);
                    } else {
                        args.add("--input");
                        args.add(name.substring(0, name.length() - 4) + "=" + p);
                    }
                }
            }
            CliRunner.run(args.toArray(new String[0])).requireSuccess();
            for (Path e : expected) {
                String output = e.getFileName().toString().substring("expected_".length());
                Tensor want = Npy.read(e);
                Tensor got = Npy.read(tmp.resolve(data.getFileName()).resolve(output));
                assertArrayEquals(want.shape(), got.shape(), output + " shape");
                double max = maxAbsDifference(want.floats(), got.floats());
                System.out.printf("%s %s %s %s: max abs error %.3g%n", fixture.getFileName(), kernels, data.getFileName(), output, max);
                assertTrue(max <= TOLERANCE, fixture.getFileName() + "/" + data.getFileName() + " " + output
                        + ": max abs error " + max + " > " + TOLERANCE);
            }
        }
    }

    static double maxAbsDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= max)) {
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return max;
    }
}
