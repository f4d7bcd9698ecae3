package io.sequin.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The products on f16, bf16 and int8 matrices, for both kernel sets, against double-precision
 * sums over the matrix's own elements ({@link WeightMatrix#get}, the exact widened value): the
 * kernels must widen exactly and accumulate as accurately as the f32 ones. Column counts cover
 * odd ones (a 16-bit pair half used) and rows cover partial panels.
 */
class StoredTypeKernelsTest {
    static final int[] COLS = {1, 2, 3, 15, 16, 17, 33, 64, 255, 1025};
    static final int[] ROWS = {1, 5, 16, 37, 64, 72, 100, 150};

    static Stream<Arguments> cases() {
        List<Arguments> args = new ArrayList<>();
        for (Kernels k : KernelsTest.implementations()) {
            for (WeightType t : new WeightType[] {WeightType.F16, WeightType.BF16, WeightType.INT8, WeightType.F32}) {
                for (int cols : COLS) {
                    args.add(Arguments.of(KernelsTest.label(k), t, cols, k));
                }
            }
        }
        return args.stream();
    }

    /**
     * A random matrix of the type: f16 patterns over the whole finite range with one in eight
     * subnormal (or zero), bf16 patterns of magnitude up to 2^8, int8 over [-127, 127] with
     * scales that include 0.
     */
    static WeightMatrix randomMatrix(SplittableRandom random, WeightType type, int rows, int cols) {
        int n = rows * cols;
        switch (type) {
            case F32:
                return WeightMatrix.ofFloats(rows, cols, KernelsTest.random(random, n, 1));
            case F16: {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    int exponent = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(30);
                    v[i] = (short) ((random.nextBoolean() ? 0x8000 : 0) | exponent << 10 | random.nextInt(1024));
                }
                return WeightMatrix.ofHalves(type, rows, cols, v);
            }
            case BF16: {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    int exponent = 127 - 40 + random.nextInt(48);
                    v[i] = (short) ((random.nextBoolean() ? 0x8000 : 0) | exponent << 7 | random.nextInt(128));
                }
                return WeightMatrix.ofHalves(type, rows, cols, v);
            }
            default: {
                byte[] v = new byte[n];
                float[] scales = new float[rows];
                for (int i = 0; i < n; i++) {
                    v[i] = (byte) (random.nextInt(255) - 127);
                }
                for (int r = 0; r < rows; r++) {
                    scales[r] = r % 7 == 3 ? 0f : (float) (random.nextDouble() * 0.01);
                }
                return WeightMatrix.ofInt8(rows, cols, v, scales);
            }
        }
    }

    /**
     * {@link KernelsTest#tolerance} for a sum over {@code terms} products of this type. An int8
     * row in {@link Int8Stacks} is rounded three more times, when the panels below are taken out
     * of its sum ({@code PanelKernels.addInt8Stacks}), so it counts three more terms: with one
     * column the plain bound was passed by up to 1.11 times in 3,000 random 64-row matrices,
     * and with the three terms it is held to within 0.50 of it.
     */
    static double tolerance(WeightType type, double magnitude, int terms) {
        return KernelsTest.tolerance(magnitude, type == WeightType.INT8 ? terms + 3 : terms);
    }

    /** y + M·x in double over the widened elements, and the magnitude of its terms. */
    static double[] reference(WeightMatrix m, int from, float[] x, int xOff, double y, int r) {
        double e = 0;
        double magnitude = 0;
        for (int c = 0; c < m.cols(); c++) {
            double p = (double) m.get(from + r, c) * x[xOff + c];
            e += p;
            magnitude += Math.abs(p);
        }
        return new double[] {y + e, Math.abs(y) + magnitude};
    }

    @ParameterizedTest(name = "{0} {1} cols={2}")
    @MethodSource("cases")
    void gemvWidensExactly(String name, WeightType type, int cols, Kernels k) {
        SplittableRandom random = new SplittableRandom(cols * 31 + type.ordinal());
        for (int rows : ROWS) {
            // A matrix with two extra rows in front: packing a row range must start where asked.
            WeightMatrix m = randomMatrix(random, type, rows + 2, cols);
            PackedMatrix packed = k.pack(m, 2, rows);
            assertEquals(type, packed.type);
            float[] x = KernelsTest.random(random, cols + 1, 3);
            float[] y = KernelsTest.random(random, rows + 2, 1);
            float[] before = y.clone();
            k.gemv(packed, x, 1, y, 1);
            for (int r = 0; r < rows; r++) {
                double[] e = reference(m, 2, x, 1, before[1 + r], r);
                assertEquals(e[0], y[1 + r], tolerance(type, e[1], cols), name + " " + type + " rows=" + rows + " row " + r);
            }
            assertEquals(before[0], y[0]);
            assertEquals(before[rows + 1], y[rows + 1]);
        }
    }

    @ParameterizedTest(name = "{0} {1} cols={2}")
    @MethodSource("cases")
    void gemv2AndGemmAgreeWithTheReference(String name, WeightType type, int cols, Kernels k) {
        SplittableRandom random = new SplittableRandom(cols * 17 + type.ordinal());
        for (int rows : new int[] {3, 16, 48, 67, 150}) {
            int hCols = cols / 2 + 1;
            WeightMatrix w = randomMatrix(random, type, rows, cols);
            // R in another type: a layer's two matrices are each read in their own type.
            WeightType rType = WeightType.values()[(type.ordinal() + 1) % 4];
            WeightMatrix r = randomMatrix(random, rType, rows, hCols);
            float[] x = KernelsTest.random(random, cols, 1);
            float[] h = KernelsTest.random(random, hCols, 1);
            float[] y = new float[rows];
            k.gemv2(k.pack(w, 0, rows), x, 0, k.pack(r, 0, rows), h, 0, y, 0);
            for (int i = 0; i < rows; i++) {
                double[] a = reference(w, 0, x, 0, 0, i);
                double[] b = reference(r, 0, h, 0, 0, i);
                assertEquals(a[0] + b[0], y[i], tolerance(type == WeightType.INT8 ? type : rType, a[1] + b[1], cols + hCols), name + " gemv2 row " + i);
            }
            for (int n : new int[] {2, 4, 5, 9, 13}) {
                int xStride = cols + 1;
                int yStride = rows + 2;
                float[] xs = KernelsTest.random(random, n * xStride, 2);
                float[] ys = KernelsTest.random(random, n * yStride, 1);
                float[] before = ys.clone();
                k.gemm(k.pack(w, 0, rows), xs, 0, xStride, n, ys, 0, yStride);
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < rows; i++) {
                        double[] e = reference(w, 0, xs, j * xStride, before[j * yStride + i], i);
                        assertEquals(e[0], ys[j * yStride + i], tolerance(type, e[1], cols),
                                name + " gemm n=" + n + " vector " + j + " row " + i);
                    }
                    assertEquals(before[j * yStride + rows], ys[j * yStride + rows], "padding untouched");
                }
            }
        }
    }

    /**
     * With an odd column count, the last 16-bit pair's empty half must be multiplied by nothing
     * read past the vector: an infinity right after it would turn 0 * inf into NaN.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernelsAndHalfTypes")
    void anOddColumnCountReadsNothingPastTheVector(String name, WeightType type, Kernels k) {
        SplittableRandom random = new SplittableRandom(11);
        int cols = 33;
        for (int rows : new int[] {16, 64, 150}) {
            WeightMatrix m = randomMatrix(random, type, rows, cols);
            PackedMatrix packed = k.pack(m, 0, rows);
            for (int n : new int[] {1, 4, 5}) {
                float[] x = KernelsTest.random(random, n * (cols + 1), 1);
                for (int j = 0; j < n; j++) {
                    x[j * (cols + 1) + cols] = Float.POSITIVE_INFINITY;
                }
                float[] y = new float[n * rows];
                k.gemm(packed, x, 0, cols + 1, n, y, 0, rows);
                for (int i = 0; i < y.length; i++) {
                    assertTrue(Float.isFinite(y[i]), name + " " + type + " rows=" + rows + " n=" + n + " y[" + i + "] = " + y[i]);
                }
            }
        }
    }

    static Stream<Arguments> kernelsAndHalfTypes() {
        List<Arguments> args = new ArrayList<>();
        for (Kernels k : KernelsTest.implementations()) {
            for (WeightType t : new WeightType[] {WeightType.F16, WeightType.BF16}) {
                args.add(Arguments.of(KernelsTest.label(k), t, k));
            }
        }
        return args.stream();
    }

    @org.junit.jupiter.api.Test
    void narrowerTypesTakeFewerBytes() {
        SplittableRandom random = new SplittableRandom(5);
        for (Kernels k : KernelsTest.implementations()) {
            long f32 = k.pack(randomMatrix(random, WeightType.F32, 64, 256), 0, 64).heapBytes();
            long f16 = k.pack(randomMatrix(random, WeightType.F16, 64, 256), 0, 64).heapBytes();
            long i8 = k.pack(randomMatrix(random, WeightType.INT8, 64, 256), 0, 64).heapBytes();
            assertEquals(64 * 256 * 4, f32);
            assertEquals(64 * 256 * 2, f16);
            assertTrue(i8 <= 64 * 256 + 4 * 64, k.name() + " int8 layout takes " + i8 + " bytes");
        }
    }
}
