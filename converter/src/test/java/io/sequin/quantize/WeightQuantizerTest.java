package io.sequin.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.Bf16Matrix;
import io.sequin.tensor.F16Matrix;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The quantization round trip: what each type stores and how far it lands from the float. */
class WeightQuantizerTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-3, 2)));
        }
        return v;
    }

    @Test
    void int8IsWithinHalfAStepOfEachWeightAndUsesTheWholeSymmetricRange() {
        int rows = 40, cols = 33;
        float[] v = random(rows * cols, 1);
        Int8Matrix m = (Int8Matrix) WeightQuantizer.quantize("w", v, rows, cols, WeightType.INT8);
        for (int r = 0; r < rows; r++) {
            float max = 0;
            int extreme = 0;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(v[r * cols + c]));
                extreme = Math.max(extreme, Math.abs(m.values()[r * cols + c]));
            }
            assertEquals(max / 127f, m.scales()[r], 0f, "row " + r + " scale is max|w| / 127");
            assertEquals(127, extreme, "row " + r + ": its largest weight maps to ±127");
            for (int c = 0; c < cols; c++) {
                byte q = m.values()[r * cols + c];
                assertTrue(q >= -127, "-128 is never used");
                double error = Math.abs((double) m.get(r, c) - v[r * cols + c]);
                assertTrue(error <= m.scales()[r] * 0.5000001, "row " + r + " col " + c + ": error " + error);
            }
        }
    }

    @Test
    void int8RoundsHalvesToEvenAndKeepsZeroRowsExact() {
        // Row 0: max 127, so the scale is 1 and q = rint(w): 2.5 -> 2, 3.5 -> 4, -0.5 -> -0.
        float[] v = {127f, 2.5f, 3.5f, -0.5f, 0f, 0f, 0f, 0f};
        Int8Matrix m = (Int8Matrix) WeightQuantizer.quantize("w", v, 2, 4, WeightType.INT8);
        assertEquals(1f, m.scales()[0]);
        assertEquals(127, m.values()[0]);
        assertEquals(2, m.values()[1]);
        assertEquals(4, m.values()[2]);
        assertEquals(0, m.values()[3]);
        assertEquals(0f, m.scales()[1], "an all-zero row has scale 0");
        for (int c = 0; c < 4; c++) {
            assertEquals(0f, m.get(1, c));
        }
        // A row of denormals still quantizes without dividing by zero.
        Int8Matrix tiny = (Int8Matrix) WeightQuantizer.quantize("w", new float[] {Float.MIN_VALUE, -2 * Float.MIN_VALUE}, 1, 2, WeightType.INT8);
        assertTrue(tiny.scales()[0] > 0);
        assertEquals(-2 * Float.MIN_VALUE, tiny.get(0, 1), 0f);
    }

    @Test
    void f16AndBf16StoreTheNearestValue() {
        float[] v = random(1000, 2);
        F16Matrix f16 = (F16Matrix) WeightQuantizer.quantize("w", v, 10, 100, WeightType.F16);
        Bf16Matrix bf16 = (Bf16Matrix) WeightQuantizer.quantize("w", v, 10, 100, WeightType.BF16);
        for (int i = 0; i < v.length; i++) {
            assertEquals(HalfFloats.floatToF16(v[i]), f16.bits()[i]);
            assertEquals(HalfFloats.floatToBf16(v[i]), bf16.bits()[i]);
            // Relative error at most half a unit in the last place: 2^-11 for f16 (normal range), 2^-8 for bf16.
            assertTrue(Math.abs(f16.get(i / 100, i % 100) - v[i]) <= Math.max(Math.abs(v[i]) * 0x1p-11, 0x1p-25));
            assertTrue(Math.abs(bf16.get(i / 100, i % 100) - v[i]) <= Math.abs(v[i]) * 0x1p-8);
        }
    }

    @Test
    void weightsThatDoNotFitAreRefusedByName() {
        QuantizationException big = assertThrows(QuantizationException.class,
                () -> WeightQuantizer.quantize("lstm.W", new float[] {1, 70000}, 1, 2, WeightType.F16));
        assertTrue(big.getMessage().contains("lstm.W") && big.getMessage().contains("[0, 1]") && big.getMessage().contains("65504"),
                big.getMessage());
        assertEquals(HalfFloats.F16_MAX, WeightQuantizer.quantize("w", new float[] {65519f}, 1, 1, WeightType.F16).get(0, 0));
        for (WeightType t : new WeightType[] {WeightType.F16, WeightType.BF16, WeightType.INT8}) {
            QuantizationException e = assertThrows(QuantizationException.class,
                    () -> WeightQuantizer.quantize("gru.R", new float[] {0, 1, Float.POSITIVE_INFINITY, 2}, 2, 2, t));
            assertTrue(e.getMessage().contains("gru.R") && e.getMessage().contains("[1, 0]") && e.getMessage().contains("Infinity"),
                    e.getMessage());
        }
        assertThrows(QuantizationException.class,
                () -> WeightQuantizer.quantize("w", new float[] {Float.MAX_VALUE}, 1, 1, WeightType.BF16));
    }
}
