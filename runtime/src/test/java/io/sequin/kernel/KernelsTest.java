package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel implementation against double-precision references, over sizes that exercise
 * every loop tail, and the Panama kernels against the scalar specification. Tests run with
 * {@code --add-modules jdk.incubator.vector}, so both implementations are present.
 */
class KernelsTest {
    static final int[] SIZES = {1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 65, 255, 1000, 1025};

    /**
     * The scalar kernels, this JVM's Panama kernels, and the lane-by-lane panel kernels at 128 and
     * 512 bits, so that the layouts of vector widths this CPU may not offer are tested too. The CPU
     * matrix, which runs these tests again under other JIT flags, leaves the lane-by-lane ones out
     * ({@code -Dsequin.test.laneKernels=false}): they are plain Java, the same under every flag.
     */
    static List<Kernels> implementations() {
        if (!Boolean.parseBoolean(System.getProperty("sequin.test.laneKernels", "true"))) {
            return List.of(new ScalarKernels(), KernelSelection.select("panama"));
        }
        return List.of(new ScalarKernels(), KernelSelection.select("panama"), new PanelKernels(4, ""), new PanelKernels(16, ""));
    }

    /** A kernel set's name and lanes, to tell them apart in test names. */
    static String label(Kernels k) {
        return k.name() + " " + k.vectorLanes() + " lanes";
    }

    static Stream<Arguments> kernelsAndSizes() {
        List<Arguments> args = new ArrayList<>();
        for (Kernels k : implementations()) {
            for (int n : SIZES) {
                args.add(Arguments.of(label(k), k, n));
            }
        }
        return args.stream();
    }

    static float[] random(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** f32 accumulation error grows with the number of terms and their magnitude. */
    static double tolerance(double magnitude, int terms) {
        return 2e-7 * magnitude * Math.sqrt(terms) + 1e-30;
    }

    /** y + W·x in double precision, with the magnitude of the terms for the tolerance. */
    static double[] reference(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff, int r) {
        double e = y[yOff + r];
        double magnitude = Math.abs(e);
        for (int c = 0; c < cols; c++) {
            double p = (double) w[wOff + r * cols + c] * x[xOff + c];
            e += p;
            magnitude += Math.abs(p);
        }
        return new double[] {e, magnitude};
    }

    /**
     * Row counts that give whole panels, several panels, and a partial last panel, at every
     * vector width: 150 and 300 rows reach the eight-panel f32 tile with 512-bit vectors, and
     * leave panels to the one-panel loop after it.
     */
    static final int[] ROWS = {1, 5, 16, 37, 64, 72, 150, 300};

    @ParameterizedTest(name = "{0} cols={2}")
    @MethodSource("kernelsAndSizes")
    void gemvMatchesDoubleReference(String name, Kernels k, int cols) {
        SplittableRandom random = new SplittableRandom(cols);
        for (int rows : ROWS) {
            int wOff = 4, xOff = 3, yOff = 2;
            float[] w = random(random, wOff + rows * cols + 7, 1);
            float[] x = random(random, xOff + cols, 1e3);   // large magnitudes, mixed signs
            float[] y = random(random, yOff + rows + 1, 1);
            float[] before = y.clone();
            k.gemv(k.pack(w, wOff, rows, cols), x, xOff, y, yOff);
            for (int r = 0; r < rows; r++) {
                double[] e = reference(w, wOff, rows, cols, x, xOff, before, yOff, r);
                assertEquals(e[0], y[yOff + r], tolerance(e[1], cols), name + " rows=" + rows + " row " + r);
            }
            assertEquals(before[0], y[0], "before yOff untouched");
            assertEquals(before[yOff + rows], y[yOff + rows], "after the rows untouched");
        }
    }

    @ParameterizedTest(name = "{0} cols={2}")
    @MethodSource("kernelsAndSizes")
    void gemv2IsTheSumOfTwoProducts(String name, Kernels k, int cols) {
        SplittableRandom random = new SplittableRandom(cols + 7);
        for (int rows : ROWS) {
            int hCols = Math.max(1, cols / 2 + 1);
            float[] w = random(random, 1 + rows * cols, 1);
            float[] r = random(random, 2 + rows * hCols, 1);
            float[] x = random(random, cols + 1, 1);
            float[] h = random(random, hCols + 3, 1);
            float[] y = random(random, rows, 1);
            float[] before = y.clone();
            k.gemv2(k.pack(w, 1, rows, cols), x, 1, k.pack(r, 2, rows, hCols), h, 3, y, 0);
            for (int i = 0; i < rows; i++) {
                double[] a = reference(w, 1, rows, cols, x, 1, before, 0, i);
                double[] b = reference(r, 2, rows, hCols, h, 3, new float[rows], 0, i);
                assertEquals(a[0] + b[0], y[i], tolerance(a[1] + b[1], cols + hCols), name + " rows=" + rows + " row " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} cols={2}")
    @MethodSource("kernelsAndSizes")
    void gemmIsOneGemvPerVector(String name, Kernels k, int cols) {
        SplittableRandom random = new SplittableRandom(cols + 13);
        // 80 rows: four-panel tiles at every width, and a panel left over at 512 bits.
        for (int rows : new int[] {1, 3, 16, 33, 48, 80}) {
            for (int n : new int[] {1, 3, 4, 5, 9}) {
                int xStride = cols + 2;
                int yStride = rows + 3;
                float[] w = random(random, 1 + rows * cols, 1);
                float[] x = random(random, 2 + n * xStride, 10);
                float[] y = random(random, 1 + n * yStride, 1);
                float[] before = y.clone();
                k.gemm(k.pack(w, 1, rows, cols), x, 2, xStride, n, y, 1, yStride);
                for (int j = 0; j < n; j++) {
                    for (int r = 0; r < rows; r++) {
                        double[] e = reference(w, 1, rows, cols, x, 2 + j * xStride, before, 1 + j * yStride, r);
                        assertEquals(e[0], y[1 + j * yStride + r], tolerance(e[1], cols),
                                name + " rows=" + rows + " n=" + n + " vector " + j + " row " + r);
                    }
                    for (int pad = rows; pad < yStride && 1 + j * yStride + pad < y.length; pad++) {
                        assertEquals(before[1 + j * yStride + pad], y[1 + j * yStride + pad], "padding untouched");
                    }
                }
            }
        }
    }

    @Test
    void gemv2RefusesMatricesOfDifferentHeights() {
        for (Kernels k : implementations()) {
            float[] w = new float[64];
            assertThrows(IllegalArgumentException.class,
                    () -> k.gemv2(k.pack(w, 0, 8, 2), w, 0, k.pack(w, 0, 4, 2), w, 0, new float[8], 0));
        }
    }

    /** Largest error of the vectorized activations against double-precision math, over a dense sweep. */
    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "tanh"})
    void activationsStayWithinTheirDocumentedError(String function) {
        for (Kernels k : implementations()) {
            List<Float> points = new ArrayList<>();
            for (double x = -30; x <= 30; x += 0.0007) {
                points.add((float) x);
            }
            for (float x : new float[] {0f, -0f, 1e-30f, -1e-30f, 1e-8f, 1e-4f, 0.0999f, 0.1f, 0.1001f, 87f, -87f, 88.5f,
                    -88.5f, 200f, -200f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE}) {
                points.add(x);
            }
            float[] v = new float[points.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = points.get(i);
            }
            float[] in = v.clone();
            if (function.equals("sigmoid")) {
                k.sigmoid(v, 0, v.length);
            } else {
                k.tanh(v, 0, v.length);
            }
            double worst = 0;
            for (int i = 0; i < v.length; i++) {
                double exact = function.equals("sigmoid") ? 1 / (1 + Math.exp(-(double) in[i])) : Math.tanh(in[i]);
                worst = Math.max(worst, Math.abs(exact - v[i]));
            }
            // Documented in PanamaKernels: at most 1.2e-7 absolute (measured 7.1e-8 and 8.4e-8).
            assertTrue(worst <= 1.2e-7, k.name() + " " + function + " max abs error " + worst);
        }
    }

    @Test
    void panamaAgreesWithScalarOnARecurrentStepShape() {
        Kernels scalar = new ScalarKernels();
        Kernels panama = KernelSelection.select("panama");
        SplittableRandom random = new SplittableRandom(3);
        int rows = 4 * 33, i = 17, h = 33;
        float[] w = random(random, rows * i, 0.2);
        float[] r = random(random, rows * h, 0.2);
        float[] x = random(random, i, 1);
        float[] s = random(random, h, 1);
        float[] a = new float[rows];
        float[] b = new float[rows];
        scalar.gemv2(scalar.pack(w, 0, rows, i), x, 0, scalar.pack(r, 0, rows, h), s, 0, a, 0);
        panama.gemv2(panama.pack(w, 0, rows, i), x, 0, panama.pack(r, 0, rows, h), s, 0, b, 0);
        for (int k = 0; k < rows; k++) {
            assertEquals(a[k], b[k], 1e-5, "row " + k);
        }
    }

    @Test
    void autoChoosesPanamaWhenTheVectorApiIsThere() {
        assertEquals("panama", KernelSelection.select("auto").name());
        assertTrue(KernelSelection.select("panama").vectorLanes() >= 2);
        assertEquals("scalar", KernelSelection.select(" Scalar ").name());
        assertTrue(KernelSelection.describe(KernelSelection.select("panama")).matches("panama, \\d+-bit vectors \\(\\d+ floats\\)(; -Dsequin\\.vectorBits.+)?"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpu", ""})
    void selectionRefusesUnknownChoices(String choice) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelSelection.select(choice));
        assertTrue(e.getMessage().contains("expected auto, scalar or panama"), e.getMessage());
    }
}
