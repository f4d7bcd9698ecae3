package io.sequin.cli;

import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.io.AtomicFiles;
import io.sequin.ir.IrModel;
import io.sequin.layer.Layer;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.session.Session;
import io.sequin.tensor.Tensor;
import io.sequin.writer.ModelWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sequin demo}: converts the bundled ONNX LSTM, runs it, and checks its outputs against
 * the ones ONNX Runtime computed for the same inputs (recorded by tools/MakeOnnxFixtures.java).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Converts a bundled ONNX LSTM (bidirectional, with sequence lengths), runs it, and compares "
                + "its outputs with ONNX Runtime's for the same inputs.")
final class DemoCommand implements Callable<Integer> {
    private static final String BASE = "/io/sequin/demo/";
    private static final List<String> INPUTS = List.of("X", "sequence_lens", "initial_h", "initial_c");
    private static final List<String> OUTPUTS = List.of("Y", "Y_h", "Y_c");
    /** The accuracy the project promises against the source framework in f32. */
    private static final double TOLERANCE = 1e-5;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("sequin-demo");
        try {
            byte[] onnx = resource("model.onnx");
            out.printf("Sequin %s demo%n%n", SequinCommand.VERSION);
            IrModel ir = OnnxImporter.importModel(onnx, Map.of());
            byte[] sqn = new ModelWriter(SequinCommand.VERSION).write(ir);
            Path file = dir.resolve("lstm.sqn");
            AtomicFiles.write(file, sqn);
            out.printf("1. convert   bundled model.onnx (%,d bytes) -> %s (%,d bytes)%n", onnx.length, file.getFileName(), sqn.length);

            Model model = Model.load(file);
            Layer layer = model.layers().get(0);
            out.printf("2. load      verified; layer %s '%s': %s%n", layer.kind(), layer.name(), layer.attributes());

            Map<String, Tensor> feeds = new LinkedHashMap<>();
            for (String name : INPUTS) {
                feeds.put(name, Npy.read(resource("data_0/" + name + ".npy")));
            }
            Session session = model.newSession();
            Map<String, Tensor> outputs = session.run(feeds);
            out.printf("3. run       %s kernels; X %s, sequence_lens %s%n", session.kernels().name(), feeds.get("X"),
                    java.util.Arrays.toString(feeds.get("sequence_lens").ints()));

            double worst = 0;
            StringBuilder errors = new StringBuilder();
            for (String name : OUTPUTS) {
                Tensor expected = Npy.read(resource("data_0/expected_" + name + ".npy"));
                Tensor actual = outputs.get(name);
                double max = 0;
                for (int i = 0; i < expected.size(); i++) {
                    max = Math.max(max, Math.abs((double) expected.floats()[i] - actual.floats()[i]));
                }
                worst = Math.max(worst, max);
                errors.append(String.format("%s %s max abs error %.2g; ", name, actual, max));
            }
            out.printf("4. check     against ONNX Runtime's outputs: %s%n", errors.toString().replaceAll("; $", ""));
            boolean ok = worst <= TOLERANCE;
            out.printf("%n%s%n", ok ? "OK: Sequin reproduces ONNX Runtime within " + TOLERANCE + "."
                    : "MISMATCH: the largest error " + worst + " exceeds " + TOLERANCE + ".");
            out.flush();
            return ok ? 0 : 1;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IOException("demo resource " + name + " is missing from the build");
            }
            return in.readAllBytes();
        }
    }
}
