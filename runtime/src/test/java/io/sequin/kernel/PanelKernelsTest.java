package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PanelKernels} computes bit for bit what the Panama kernels compute: every stored type,
 * row counts with and without a partial panel and around each tile's size, odd and even column
 * counts, 1 to 17 vectors (every tile shape and its remainder), slices, and sigmoid and tanh over
 * the whole range of floats. So a session may switch from one to the other at any step
 * ({@link WarmingKernels}) without a visible change, and the vector tiles are checked to the last
 * bit against a readable loop.
 */
class PanelKernelsTest {
    private static final Kernels PANAMA = KernelSelection.select("panama");
    private static final PanelKernels LANES = new PanelKernels(PANAMA.vectorLanes(), "");

    static Stream<Arguments> cases() {
        int l = PANAMA.vectorLanes();
        List<Arguments> args = new ArrayList<>();
        for (WeightType t : WeightType.values()) {
            for (int rows : new int[] {3, l, 2 * l + 5, 4 * l, 8 * l, 8 * l + 1, 16 * l + 3 * l + 7}) {
                for (int cols : new int[] {1, 2, 7, 64, 129}) {
                    args.add(Arguments.of(t, rows, cols));
                }
            }
        }
        return args.stream();
    }

    /**
     * The same bits, element by element; any NaN matches any NaN, since Java leaves a NaN's sign
     * and payload to each operation (a JVM compiling the plain loop early, with JDK 17 and early C2,
     * gave tanh(NaN) another sign than the vector code, each a NaN).
     */
    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                assertEquals(expected[i], actual[i], 0f, what + ", element " + i);
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ", element " + i + " (the sign of 0)");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void productsAreTheVectorCodesBitForBit(WeightType type, int rows, int cols) {
        SplittableRandom random = new SplittableRandom(rows * 1000 + cols);
        WeightMatrix m = StoredTypeKernelsTest.randomMatrix(random, type, rows, cols);
        PackedMatrix p = PANAMA.pack(m, 0, rows);
        for (int n : new int[] {1, 2, 3, 4, 5, 8, 9, 16, 17}) {
            int xStride = cols + 3;
            int yStride = rows + 2;
            float[] x = KernelsTest.random(random, n * xStride, 2);
            // Past each vector's columns: NaN, which a padded column must not read.
            for (int j = 0; j < n; j++) {
                for (int k = 1 + j * xStride + cols; k < Math.min(x.length, 1 + (j + 1) * xStride); k++) {
                    x[k] = Float.NaN;
                }
            }
            float[] y0 = KernelsTest.random(random, n * yStride + 1, 1);
            float[] vector = y0.clone();
            float[] lanes = y0.clone();
            PANAMA.gemm(p, x, 1, xStride, n, vector, 1, yStride);
            LANES.gemm(p, x, 1, xStride, n, lanes, 1, yStride);
            assertBits(vector, lanes, n + " vectors");
            if (type == WeightType.F32) {
                // Row-major, as a JVM's default kernels run a matrix before its panels are laid out.
                float[] rowMajor = y0.clone();
                LANES.f32RowMajor(((F32Matrix) m).values(), 0, rows, cols, x, 1, xStride, n, rowMajor, 1, yStride);
                assertBits(vector, rowMajor, n + " vectors, row-major");
            }
            for (int i = 0; i < vector.length; i++) {
                assertFalse(Float.isNaN(vector[i]), n + " vectors: NaN at " + i + ", read from past a vector's columns");
            }
        }
        float[] h = KernelsTest.random(random, cols, 1);
        float[] vector = new float[rows];
        float[] lanes = new float[rows];
        PANAMA.gemv2(p, h, 0, p, h, 0, vector, 0);
        LANES.gemv2(p, h, 0, p, h, 0, lanes, 0);
        assertBits(vector, lanes, "gemv2");
        int grain = PANAMA.rowGrain();
        if (rows > grain) {
            PackedMatrix slice = p.slice(grain, rows - grain);
            vector = new float[rows];
            lanes = new float[rows];
            PANAMA.gemv(slice, h, 0, vector, 1);
            LANES.gemv(slice, h, 0, lanes, 1);
            assertBits(vector, lanes, "a slice");
            if (type == WeightType.F32) {
                float[] rowMajor = new float[rows];
                LANES.f32RowMajor(((F32Matrix) m).values(), grain * cols, rows - grain, cols, h, 0, 0, 1, rowMajor, 1, 0);
                assertBits(vector, rowMajor, "a slice, row-major");
            }
        }
    }

    /** Every 4,099th float bit pattern, both signs, zeros, infinities and NaN; lengths that end with a partial vector. */
    @Test
    void activationsAreTheVectorCodesBitForBit() {
        List<Float> values = new ArrayList<>();
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 4099) {
            values.add(Float.intBitsToFloat((int) bits));
        }
        for (float f : new float[] {0f, -0f, 0.1f, -0.1f, 0.09999999f, 9f, 18f, 40f, Float.MIN_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN}) {
            values.add(f);
        }
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        for (int len : new int[] {v.length, v.length - 1, PANAMA.vectorLanes() + 3}) {
            float[] a = v.clone();
            float[] b = v.clone();
            PANAMA.tanh(a, 1, len - 1);
            LANES.tanh(b, 1, len - 1);
            assertBits(a, b, "tanh, length " + (len - 1));
            a = v.clone();
            b = v.clone();
            PANAMA.sigmoid(a, 1, len - 1);
            LANES.sigmoid(b, 1, len - 1);
            assertBits(a, b, "sigmoid, length " + (len - 1));
        }
    }
}
