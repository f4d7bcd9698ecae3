package io.sequin.fuzz;

import io.sequin.convert.Converter;
import io.sequin.format.InvalidModelException;
import io.sequin.ir.IrModel;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.session.Session;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import io.sequin.writer.ModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What every fuzz target does with what it managed to read: a converted model must be one the
 * runtime loads (the converter never writes a file the runtime refuses), and a loaded model must
 * run and step on inputs that fit its declared inputs, refusing only with the exceptions
 * {@link Session} documents. Anything else thrown escapes to the fuzzer as a finding.
 */
final class Exercise {
    /** Bigger declared inputs are not run: the fuzzer should spend its time on parsing, not on arithmetic. */
    private static final long MAX_INPUT_ELEMENTS = 1 << 14;
    private static final int DYNAMIC_SIZE = 2;
    private static final int STEPS = 3;

    /** Models run to the end (a run and the steps, or their documented refusals); FuzzSeedsTest reads it. */
    static int completed;

    private Exercise() {
    }

    /** Writes an imported model as the converter does, loads it back (which must succeed) and runs it. */
    static void convertedModel(IrModel ir) {
        Converter.normalize(ir);
        byte[] sqn = new ModelWriter("fuzz").write(ir);
        Model model;
        try {
            model = Model.load(sqn);
        } catch (InvalidModelException e) {
            throw new AssertionError("the converter wrote a model the runtime refuses: " + e.getMessage(), e);
        }
        loadedModel(model);
    }

    /** Runs a loaded model once on inputs shaped as it declares them, then steps it if it streams. */
    static void loadedModel(Model model) {
        Map<String, Tensor> inputs = new HashMap<>();
        for (TensorSpec spec : model.inputs()) {
            if (model.isOptional(spec.name())) {
                continue;
            }
            int[] shape = spec.shape();
            long n = 1;
            long bound = 1;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == TensorSpec.DYNAMIC) {
                    shape[i] = DYNAMIC_SIZE;
                }
                // A zero dimension beside huge ones still asks for outputs as large as the others (an
                // empty sequence of 16 million rows has 16 million final states): that is the caller's
                // request, not the file's, so such inputs are not run.
                n *= shape[i];
                bound *= Math.max(shape[i], 1);
                if (bound > MAX_INPUT_ELEMENTS) {
                    return;
                }
            }
            inputs.put(spec.name(), input(spec.type(), shape, (int) n));
        }
        Session session = model.newSession();
        try {
            Map<String, Tensor> outputs = session.run(inputs);
            for (TensorSpec spec : model.outputs()) {
                Tensor t = outputs.get(spec.name());
                if (t == null || !spec.accepts(t)) {
                    throw new AssertionError("output " + spec + " came out as " + t);
                }
            }
        } catch (IllegalArgumentException e) {
            // Documented: the inputs do not fit (static dimensions that disagree with each other, say).
        } catch (IllegalStateException e) {
            // Documented: the file declares outputs its layers do not make. Any other state is a finding.
            if (!e.getMessage().endsWith("the model file is inconsistent")) {
                throw e;
            }
        }
        try {
            float[] x = new float[session.stepInputSize()];
            float[] y = new float[session.stepOutputSize()];
            for (int t = 0; t < STEPS; t++) {
                session.step(x, y);
            }
        } catch (IllegalStateException e) {
            // Documented: the model cannot be stepped. Any other state is a finding.
            if (!e.getMessage().startsWith("this model cannot be stepped")) {
                throw e;
            }
        }
        completed++;
    }

    private static Tensor input(ElementType type, int[] shape, int n) {
        switch (type) {
            case FLOAT32: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (i % 7 - 3) * 0.25f;
                }
                return Tensor.ofFloats(shape, v);
            }
            case INT32: {
                // 1 is a sequence length that fits any sequence, and a token id of any vocabulary of two or more.
                int[] v = new int[n];
                Arrays.fill(v, 1);
                return Tensor.ofInts(shape, v);
            }
            default: {
                long[] v = new long[n];
                Arrays.fill(v, 1);
                return Tensor.ofLongs(shape, v);
            }
        }
    }

    /** A file the path-based readers can open, rewritten for every input (fuzzing runs one input at a time). */
    static Path file(String name, byte[] content) {
        try {
            Path dir = Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir"),
                    "sequin-fuzz-" + ProcessHandle.current().pid());
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                dir.toFile().deleteOnExit();
            }
            Path file = dir.resolve(name);
            Files.write(file, content);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
