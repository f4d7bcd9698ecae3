package io.sequin.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.kernel.KernelSelection;
import io.sequin.model.Model;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NaN and infinity in inputs: Sequin computes with them as IEEE arithmetic says, without
 * checking, crashing or hanging. A stream fed NaN turns NaN from then on (its state holds NaN)
 * until it is reset; the other streams of the session are untouched; an infinite input saturates
 * the gates (sigmoid and tanh of ±inf are 0, ±1), which may give finite outputs or NaN (inf - inf
 * in a sum). A token id that is NaN or infinite is not a whole number: refused naming it.
 */
class NonFiniteInputTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"LSTM 64x128, scalar", "LSTM 64x128, panama", "GRU 64x128, panama", "RNN 64x128, scalar", "GRU 64x128 int8, panama"})
    void aNonFiniteStreamDoesNotDisturbTheOthers(String fixture, String kernels) throws Exception {
        Model model = ZeroAllocationTest.model(fixture);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Session together = model.newSession(KernelSelection.select(kernels), 2);
            Session clean = model.newSession(KernelSelection.select(kernels));
            int in = together.stepInputSize();
            int out = together.stepOutputSize();
            float[] x = new float[2 * in];
            float[] y = new float[2 * out];
            float[] cleanY = new float[out];
            for (int t = 0; t < 50; t++) {
                for (int i = 0; i < in; i++) {
                    x[i] = t == 10 && i == 3 ? bad : (float) Math.cos(t + i);
                    x[in + i] = (float) Math.sin(t + 0.5 * i);
                }
                together.step(x, y);
                clean.step(Arrays.copyOfRange(x, in, 2 * in), cleanY);
                assertArrayEquals(cleanY, Arrays.copyOfRange(y, out, 2 * out), 1e-5f, bad + ": the other stream, step " + t);
            }
            if (Float.isNaN(bad)) {
                for (int k = 0; k < out; k++) {
                    assertTrue(Float.isNaN(y[k]), "NaN stays in the stream's state: " + y[k]);
                }
            }
            // Reset gives the stream back.
            together.reset(0);
            float[] again = new float[2 * in];
            Arrays.fill(again, 0.25f);
            together.step(again, y);
            for (int k = 0; k < out; k++) {
                assertTrue(Float.isFinite(y[k]), bad + ": after reset");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"scalar", "panama"})
    void wholeSequencesComputeThroughNonFiniteValues(String kernels) throws Exception {
        Model model = ZeroAllocationTest.model("LSTM 64x128");
        float[] x = new float[5 * 2 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = i == 70 ? Float.NaN : i == 200 ? Float.POSITIVE_INFINITY : (float) Math.sin(i);
        }
        String input = model.inputs().get(0).name();
        Map<String, Tensor> out = model.newSession(KernelSelection.select(kernels)).run(Map.of(input, Tensor.ofFloats(new int[] {5, 2, 64}, x)));
        assertTrue(out.values().stream().anyMatch(t -> t.type() != ElementType.FLOAT32 || hasNaN(t.floats())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NaN", "Infinity"})
    void aNonFiniteTokenIdIsRefusedByName(String value) throws Exception {
        Model model = ZeroAllocationTest.model("pytorch-state-dict/composite_embedding_lstm_linear_logsoftmax");
        Session s = model.newSession(KernelSelection.select("scalar"));
        float[] y = new float[s.stepOutputSize()];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[] {Float.parseFloat(value)}, y));
        assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
    }

    private static boolean hasNaN(float[] v) {
        for (float f : v) {
            if (Float.isNaN(f)) {
                return true;
            }
        }
        return false;
    }
}
