package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalarKernelsTest {
    private final Kernels kernels = new ScalarKernels();

    /** matVecAdd against a double-precision sum, at sizes that exercise every tail of the unrolled loop. */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 65, 255, 1000, 1025})
    void matVecAddMatchesDoubleReference(int cols) {
        SplittableRandom random = new SplittableRandom(cols);
        int rows = 5;
        int xOff = 3;
        int outOff = 2;
        float[] w = new float[rows * cols];
        float[] x = new float[xOff + cols];
        float[] out = new float[outOff + rows];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 200 - 100);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = i;
        }
        kernels.matVecAdd(w, rows, cols, x, xOff, out, outOff);
        for (int r = 0; r < rows; r++) {
            double expected = outOff + r;
            double magnitude = Math.abs(expected);
            for (int k = 0; k < cols; k++) {
                expected += (double) w[r * cols + k] * x[xOff + k];
                magnitude += Math.abs((double) w[r * cols + k] * x[xOff + k]);
            }
            // f32 summation error grows with the number of terms and their magnitude.
            double tolerance = 1e-6 * magnitude * Math.sqrt(cols) + 1e-6;
            assertEquals(expected, out[outOff + r], tolerance, "row " + r + " of " + cols + " columns");
        }
        assertEquals(0f, out[0], "values before outOff are untouched");
        assertEquals(1f, out[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "auto", " Scalar "})
    void selectionFallsBackToScalar(String choice) {
        // This build has no Vector API kernels yet, so every choice that can fall back does.
        assertEquals("scalar", KernelSelection.select(choice).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"panama", "gpu", ""})
    void selectionRefusesWhatItCannotProvide(String choice) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelSelection.select(choice));
        assertTrue(e.getMessage().contains(choice.isEmpty() ? "expected auto, scalar or panama" : choice.equals("panama") ? "Panama" : choice),
                e.getMessage());
    }
}
