package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.ir.IrModel;
import io.sequin.kernel.KernelSelection;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.Layer;
import io.sequin.layer.RecurrentLayer;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.StoredTensor;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weights are held once, in their stored type: a model loaded from its file and stepped (by a
 * session of two threads, whose split step reads slices of the shared layout) holds at most
 * 1.1 times the file's weight bytes, for every stored type and kernel set, as the layers count
 * the arrays they hold. (The used heap this JVM reports moves in whole G1 regions, several MB
 * here; {@code LoadHeapTest} measures it in a child JVM for a 100 MB model.)
 */
class WeightMemoryTest {
    @TempDir
    Path tmp;

    /** The weight bytes of the model's file: every stored tensor's data, and int8 scales. */
    private static long fileWeightBytes(Model model) {
        long n = 0;
        for (Layer layer : model.layers()) {
            for (StoredTensor t : layer.weights()) {
                n += t.bytes();
            }
        }
        return n;
    }

    private static long counted(Model model) {
        return ((RecurrentLayer) model.layers().get(0)).weightHeapBytes();
    }

    private Path write(IrModel ir, WeightType type) throws Exception {
        Path file = Files.createTempFile(tmp, "model", ".sqn");
        Files.write(file, new ModelWriter("test").write(WeightQuantizer.quantize(ir, type)));
        return file;
    }

    /**
     * The layer's count and the file's weight bytes, after loading and running a sequence with
     * {@code kernels} and 2 threads (and stepping, where the model can be stepped).
     */
    private long[] held(Path file, String kernels, boolean step) throws Exception {
        Model model = Model.load(file);
        try (Session session = model.newSession(KernelSelection.select(kernels), 1, 2)) {
            int input = ((RecurrentLayer) model.layers().get(0)).spec().inputSize();
            session.run(Map.of("X", Tensor.ofFloats(new int[] {3, 1, input}, new float[3 * input])));
            if (step) {
                float[] y = new float[session.stepOutputSize()];
                session.step(new float[session.stepInputSize()], y);
            }
            assertEquals(2, session.threads());
            return new long[] {counted(model), fileWeightBytes(model)};
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2} {3} {4} {5}")
    @CsvSource({"LSTM, 256, 512, FORWARD, f32, panama", "LSTM, 256, 512, FORWARD, f32, scalar", "LSTM, 256, 512, FORWARD, bf16, panama",
        "LSTM, 256, 512, FORWARD, f16, scalar", "LSTM, 256, 512, FORWARD, int8, panama", "LSTM, 256, 512, FORWARD, int8, scalar",
        "GRU, 200, 333, BIDIRECTIONAL, f32, panama", "GRU, 200, 333, BIDIRECTIONAL, int8, panama", "GRU, 200, 333, BIDIRECTIONAL, bf16, scalar",
        "RNN, 512, 1024, FORWARD, f16, panama"})
    void weightsAreHeldOnce(CellType cell, int input, int hidden, Direction direction, String type, String kernels) throws Exception {
        long[] held = held(write(RandomModels.layer(cell, input, hidden, direction), WeightType.byName(type)), kernels,
                direction != Direction.BIDIRECTIONAL);
        double counted = (double) held[0] / held[1];
        System.out.printf("%s %dx%d %s %s %s: file weights %,d bytes; held %,d (%.3f)%n", cell, input, hidden, direction, type, kernels,
                held[1], held[0], counted);
        assertTrue(counted <= 1.1, "weights held " + held[0] + " bytes, " + counted + " times the file's " + held[1]);
    }

    /** A model run with both kernel sets holds one layout for each; the second is made from the first. */
    @Test
    void eachKernelSetInUseHoldsItsOwnLayout() throws Exception {
        Path file = write(RandomModels.layer(CellType.LSTM, 256, 512), WeightType.INT8);
        Model model = Model.load(file);
        long file8 = fileWeightBytes(model);
        Session scalar = model.newSession(KernelSelection.select("scalar"));
        float[] x = new float[scalar.stepInputSize()];
        float[] y1 = new float[scalar.stepOutputSize()];
        scalar.step(x, y1);
        assertTrue(counted(model) <= 1.1 * file8, counted(model) + " of " + file8);
        Session panama = model.newSession(KernelSelection.select("panama"));
        float[] y2 = new float[panama.stepOutputSize()];
        panama.step(x, y2);
        assertTrue(counted(model) >= 2 * (file8 - 4L * 2 * 4 * 512) && counted(model) <= 2.2 * file8, counted(model) + " of " + file8);
    }
}
