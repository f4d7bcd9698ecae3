package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.layer.CellType;
import io.sequin.model.Model;
import io.sequin.quantize.WeightQuantizer;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.WeightType;
import io.sequin.testing.RandomModels;
import io.sequin.writer.ModelWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole models agree across kernel sets, for every weight storage type: layers wide enough for
 * every vector loop, random weights in ±1/sqrt(H), 30 steps of N(0,1)-ish inputs, Panama within 1e-5 of the scalar
 * specification, for whole sequences and for streaming steps.
 */
class KernelAgreementTest {

    @ParameterizedTest(name = "{0} {1}x{2} batch {3} {4}")
    @CsvSource({"LSTM, 64, 128, 1, f32", "LSTM, 33, 70, 3, f32", "GRU, 64, 128, 2, f32", "GRU, 17, 45, 1, f32",
        "RNN, 128, 256, 4, f32", "RNN, 7, 31, 9, f32",
        "LSTM, 64, 128, 1, int8", "LSTM, 33, 70, 3, f16", "GRU, 64, 128, 2, bf16", "GRU, 17, 45, 5, int8",
        "RNN, 128, 256, 4, f16", "RNN, 7, 31, 9, bf16", "LSTM, 100, 129, 2, bf16", "GRU, 31, 64, 1, f16"})
    void panamaMatchesScalar(CellType cell, int input, int hidden, int batch, String weights) throws Exception {
        Model model = Model.load(new ModelWriter("test").write(WeightQuantizer.quantize(RandomModels.layer(cell, input, hidden), WeightType.byName(weights))));
        Session scalar = model.newSession(KernelSelection.select("scalar"), batch);
        Session panama = model.newSession(KernelSelection.select("panama"), batch);
        int steps = 30;
        float[] x = RandomModels.uniform(new SplittableRandom(5), steps * batch * input, 1.7);
        Map<String, Tensor> inputs = Map.of("X", Tensor.ofFloats(new int[] {steps, batch, input}, x));
        float[] a = scalar.run(inputs).get("Y_h").floats();
        float[] b = panama.run(inputs).get("Y_h").floats();
        double sequence = maxDifference(a, b);
        assertTrue(sequence <= 1e-5, "whole sequence: max abs difference " + sequence);

        float[] ya = new float[batch * hidden];
        float[] yb = new float[batch * hidden];
        double streaming = 0;
        for (int t = 0; t < steps; t++) {
            float[] xt = Arrays.copyOfRange(x, t * batch * input, (t + 1) * batch * input);
            scalar.step(xt, ya);
            panama.step(xt, yb);
            streaming = Math.max(streaming, maxDifference(ya, yb));
        }
        assertTrue(streaming <= 1e-5, "streaming: max abs difference " + streaming);
        // Streaming from a zero state ends where the whole sequence does.
        assertTrue(maxDifference(ya, a) <= 1e-5, "streamed state differs from the sequence's Y_h");
    }

    static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
        }
        return max;
    }
}
