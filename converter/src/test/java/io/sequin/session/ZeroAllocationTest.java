package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.convert.ConvertOptions;
import io.sequin.convert.Converter;
import io.sequin.layer.CellType;
import io.sequin.kernel.KernelSelection;
import io.sequin.kernel.Kernels;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.npy.Npy;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Steady state allocates nothing: 10,000 streaming steps, and repeated whole-sequence runs into
 * the caller's tensors, measured with the JVM's per-thread allocation counter. Until the JIT has
 * compiled the kernels, the Vector API boxes its vectors on the heap, so each case first warms up
 * until rounds of work stop allocating (or gives up, and the assertion reports what it saw).
 */
class ZeroAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * A fixture's model, or for {@code "LSTM 64x128"} a random forward layer of that input and
     * hidden size, with {@code "LSTM 64x128 int8"} its weights stored as int8 (or f16, bf16):
     * the fixtures are small, and only sizes beyond the vector width run the kernels' vector loops.
     */
    static Model model(String fixture) throws Exception {
        if (fixture.contains(" ")) {
            String[] p = fixture.split("[ x]");
            WeightType type = p.length > 3 ? WeightType.byName(p[3]) : WeightType.F32;
            return Model.load(new ModelWriter("test").write(WeightQuantizer.quantize(RandomModels.layer(CellType.valueOf(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])), type)));
        }
        // "name" is an ONNX conformance fixture; "pytorch-onnx/name" a PyTorch export.
        Path dir = Path.of(ZeroAllocationTest.class.getResource("/fixtures/" + (fixture.contains("/") ? "" : "onnx/") + fixture).toURI());
        if (Files.exists(dir.resolve("model.json"))) {
            return Converter.convert(dir.resolve("model.json"), ConvertOptions.defaults()).model();
        }
        if (Files.exists(dir.resolve("arch.json"))) {
            return Converter.convert(dir.resolve("model.pt"), ConvertOptions.defaults().withArch(dir.resolve("arch.json"))).model();
        }
        if (Files.exists(dir.resolve("model.pt"))) {
            return Converter.convert(dir.resolve("model.pt"), ConvertOptions.defaults()).model();
        }
        return Converter.convert(dir.resolve("model.onnx"), ConvertOptions.defaults()).model();
    }

    /** Bytes the current thread allocates while {@code work} runs. */
    static long allocatedBy(Runnable work) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        work.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * Runs rounds until twenty in a row allocate nothing while the JIT compiles nothing (its
     * total compilation time stands still), or 3,000 rounds or a minute have passed. Code still running in
     * the interpreter or in C1 boxes vectors on the heap; once C2 has compiled the whole step,
     * nothing is allocated. Returns whether the last round allocated nothing.
     */
    static boolean warmUp(Runnable round) {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int quiet = 0;
        boolean allocated = true;
        // A step that allocates never gets quiet: give up after a minute, and let the measurement fail.
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int i = 0; i < 3000 && quiet < 20 && System.nanoTime() < deadline; i++) {
            long compiling = jit.getTotalCompilationTime();
            allocated = allocatedBy(round) != 0;
            quiet = allocated || jit.getTotalCompilationTime() != compiling ? 0 : quiet + 1;
        }
        return !allocated;
    }

    /**
     * Bytes allocated by {@code measured} once warm. HotSpot now and then charges a thread a
     * once-off few hundred bytes (seen here at random moments even with the scalar kernels, and
     * never under -Xint or C1 alone): the thread whose calls queue a method for C2 resolves the
     * string constants of that method's class (CompileBroker::compile_method), and so allocates
     * them, once per class (WarmingKernelsTest found this with JFR). Such a blip does not repeat,
     * while an allocation in our code happens in every attempt. So up to three attempts are
     * measured, each after warming up again, and the smallest count is returned.
     */
    static long steadyState(Runnable warmUpRound, Runnable measured) {
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && least != 0; attempt++) {
            if (!warmUp(warmUpRound)) {
                // Still allocating after a minute: measuring code that boxes vectors would take minutes more.
                return allocatedBy(warmUpRound);
            }
            least = Math.min(least, allocatedBy(measured));
        }
        return least;
    }

    @ParameterizedTest(name = "{0} {1} streams={2}")
    @CsvSource({
        "lstm_forward_random, scalar, 1", "lstm_forward_random, panama, 1", "lstm_forward_random, panama, 8",
        "lstm_peepholes_clip, panama, 1", "gru_forward_random, scalar, 1", "gru_forward_random, panama, 1",
        "gru_forward_random, panama, 8", "gru_activations, panama, 3", "rnn_forward_random, panama, 1",
        "rnn_forward_random, scalar, 8", "LSTM 64x128, panama, 1", "LSTM 64x128, panama, 8", "GRU 64x128, panama, 1",
        "GRU 64x128, panama, 8", "RNN 64x128, panama, 1",
        "LSTM 64x128 int8, panama, 1", "LSTM 64x128 int8, panama, 8", "LSTM 64x128 int8, scalar, 1",
        "LSTM 64x128 f16, panama, 1", "GRU 64x128 f16, panama, 8", "GRU 64x128 f16, scalar, 2",
        "LSTM 64x128 bf16, panama, 1", "GRU 64x128 bf16, panama, 8", "RNN 64x128 bf16, scalar, 1",
        "GRU 64x128 int8, panama, 3", "RNN 64x128 int8, panama, 1", "RNN 64x128 f16, panama, 1",
        // Odd column counts and panels left to the one-panel loops, in every stored type.
        "GRU 17x33 int8, panama, 1", "LSTM 17x33 bf16, panama, 3", "GRU 17x33 f16, panama, 1", "RNN 17x33, panama, 5",
        "pytorch-onnx/embedding_lstm_linear_logsoftmax_opset15, panama, 1",
        "pytorch-onnx/embedding_lstm_linear_logsoftmax_opset15, scalar, 4",
        "pytorch-onnx/lstm_default_states_opset9, panama, 2", "pytorch-state-dict/lstm_proj_size, panama, 1",
        "pytorch-state-dict/lstm_proj_size, scalar, 3",
        // Token id 0 in stream 0 at every step: the masked path.
        "tfjs/embedding_mask_zero_gru_last, panama, 3", "tfjs/embedding_mask_zero_gru_last, scalar, 2",
        "tfjs/masking_lstm_sequences, panama, 2",
        "pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax, panama, 2"})
    void streamingStepsAllocateNothing(String fixture, String kernels, int streams) throws Exception {
        Kernels k = KernelSelection.select(kernels);
        Session session = model(fixture).newSession(k, streams);
        float[] x = new float[streams * session.stepInputSize()];
        float[] y = new float[streams * session.stepOutputSize()];
        for (int i = 0; i < x.length; i++) {
            // Token ids for a model that starts with an embedding (one float per stream).
            x[i] = session.stepInputSize() == 1 ? i % 7 : (float) Math.sin(i);
        }
        Runnable warmUpRound = () -> {
            for (int i = 0; i < 200; i++) {
                session.step(x, y);
            }
        };
        long bytes = steadyState(warmUpRound, () -> {
            for (int i = 0; i < 10_000; i++) {
                session.step(x, y);
            }
        });
        assertEquals(0, bytes, "bytes allocated by 10,000 steps");
        assertTrue(Float.isFinite(y[0]));
    }

    /**
     * Whole sequences through the layers a PyTorch export adds (dense, activations, softmax,
     * concat) and through an LSTM with a projection.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"pytorch-onnx/gru_linear_activations_softmax_opset16, panama",
        "pytorch-onnx/gru_linear_activations_softmax_opset16, scalar",
        "pytorch-onnx/embedding_lstm_linear_logsoftmax_opset15, panama",
        "pytorch-onnx/lstm_2layers_bidirectional_states_opset11, panama",
        "pytorch-state-dict/lstm_proj_size_2layers_bidirectional, panama",
        "pytorch-state-dict/lstm_proj_size_2layers_bidirectional, scalar",
        "tfjs/masking_bidirectional_gru_states, panama", "tfjs/embedding_mask_zero_gru_last, scalar",
        "tfjs/bidirectional_lstm_merge_none_states, panama"})
    void wholeSequencesOfPytorchModelsAllocateNothing(String fixture, String kernels) throws Exception {
        Model model = model(fixture);
        Session session = model.newSession(KernelSelection.select(kernels));
        Path data = Path.of(ZeroAllocationTest.class.getResource("/fixtures/" + fixture + "/data_0").toURI());
        Map<String, Tensor> inputs = new HashMap<>();
        Map<String, Tensor> outputs = new HashMap<>();
        for (TensorSpec in : model.inputs()) {
            inputs.put(in.name(), Npy.read(data.resolve(in.name() + ".npy")));
        }
        for (TensorSpec out : model.outputs()) {
            outputs.put(out.name(), Tensor.zeros(Npy.read(data.resolve("expected_" + out.name() + ".npy")).shape()));
        }
        // Rounds of 20 runs: a kernel called a few times a run needs thousands of runs to reach C2.
        Runnable twenty = () -> {
            for (int i = 0; i < 20; i++) {
                session.run(inputs, outputs);
            }
        };
        long bytes = steadyState(twenty, twenty);
        assertEquals(0, bytes, "bytes allocated by 20 runs");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LSTM 64x128, panama", "GRU 64x128, panama", "RNN 128x256, panama", "LSTM 64x128 int8, panama",
        "GRU 64x128 f16, panama", "RNN 128x256 bf16, panama", "GRU 64x128 int8, scalar", "LSTM 64x128 bf16, scalar",
        "GRU 17x33 int8, panama", "LSTM 17x33 bf16, panama", "RNN 17x33 f16, panama", "LSTM 17x33, panama"})
    void wholeSequencesOfLargerLayersAllocateNothing(String layer, String kernels) throws Exception {
        Model model = model(layer);
        Session session = model.newSession(KernelSelection.select(kernels));
        int[] size = {Integer.parseInt(layer.split("[ x]")[1]), Integer.parseInt(layer.split("[ x]")[2])};
        Map<String, Tensor> inputs = Map.of("X", Tensor.ofFloats(new int[] {20, 3, size[0]}, RandomModels.uniform(new SplittableRandom(1), 60 * size[0], 1)));
        Map<String, Tensor> outputs = Map.of("Y_h", Tensor.zeros(1, 3, size[1]));
        long bytes = steadyState(() -> session.run(inputs, outputs), () -> {
            for (int i = 0; i < 20; i++) {
                session.run(inputs, outputs);
            }
        });
        assertEquals(0, bytes, "bytes allocated by 20 runs of 20 steps, batch 3");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "lstm_bidirectional_sequence_lens, scalar", "lstm_bidirectional_sequence_lens, panama",
        "gru_linear_before_reset_bidirectional, panama", "gru_layout1_linear_before_reset, scalar",
        "rnn_bidirectional_sequence_lens, panama", "lstm_layout1_bidirectional, panama"})
    void wholeSequenceRunsAllocateNothing(String fixture, String kernels) throws Exception {
        Model model = model(fixture);
        Session session = model.newSession(KernelSelection.select(kernels));
        Path data = Path.of(ZeroAllocationTest.class.getResource("/fixtures/onnx/" + fixture + "/data_0").toURI());
        Map<String, Tensor> inputs = new HashMap<>();
        for (var spec : model.inputs()) {
            inputs.put(spec.name(), Npy.read(data.resolve(spec.name() + ".npy")));
        }
        Map<String, Tensor> outputs = new HashMap<>();
        for (var spec : model.outputs()) {
            Tensor expected = Npy.read(data.resolve("expected_" + spec.name() + ".npy"));
            outputs.put(spec.name(), Tensor.zeros(expected.shape()));
        }
        Runnable tenRuns = () -> {
            for (int i = 0; i < 10; i++) {
                session.run(inputs, outputs);
            }
        };
        long bytes = steadyState(tenRuns, () -> {
            for (int i = 0; i < 100; i++) {
                session.run(inputs, outputs);
            }
        });
        assertEquals(0, bytes, "bytes allocated by 100 whole-sequence runs");
        // And the numbers are still ONNX Runtime's.
        for (var spec : model.outputs()) {
            float[] expected = Npy.read(data.resolve("expected_" + spec.name() + ".npy")).floats();
            float[] actual = outputs.get(spec.name()).floats();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5, spec.name() + "[" + i + "]");
            }
        }
    }
}
