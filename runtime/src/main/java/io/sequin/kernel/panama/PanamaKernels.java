package io.sequin.kernel.panama;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.ScalarKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the Vector API ({@code jdk.incubator.vector}), using only what JDK 17
 * and JDK 25 both have: array loads and stores, lanewise arithmetic, fma, reductions. They are
 * tested against {@link ScalarKernels}, the specification.
 *
 * <p>{@link #sigmoid} and {@link #tanh} are computed from a polynomial {@code exp}; their
 * largest absolute error against double-precision math is below 1.2e-7 (measured over
 * [-30, 30] in steps of 1.3e-4: 7.1e-8 for sigmoid, 8.4e-8 for tanh; the scalar kernels, rounded
 * once from double, 3.0e-8).
 *
 * <p>This class is loaded by name ({@code KernelSelection}) and nothing else in the runtime
 * refers to it, so a JVM without the incubator module never links it.
 */
public final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public int vectorLanes() {
        return L;
    }

    /** Width of the vectors, in bits. */
    public static int vectorBits() {
        return F.vectorBitSize();
    }

    @Override
    public void gemv(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff) {
        for (int r = 0; r < rows; r++) {
            y[yOff + r] += dot(w, wOff + r * cols, x, xOff, cols);
        }
    }

    @Override
    public void gemv2(float[] w, int wOff, int wCols, float[] x, int xOff,
                      float[] r, int rOff, int rCols, float[] h, int hOff,
                      float[] y, int yOff, int rows) {
        for (int i = 0; i < rows; i++) {
            y[yOff + i] += dot(w, wOff + i * wCols, x, xOff, wCols) + dot(r, rOff + i * rCols, h, hOff, rCols);
        }
    }

    /**
     * Dot product: a body of four independent vector accumulators (an fma's latency is four
     * cycles, so one accumulator would leave the units idle), one more vector loop, then a
     * scalar tail.
     */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F);
        FloatVector s3 = FloatVector.zero(F);
        int k = 0;
        for (; k + 4 * L <= n; k += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), s0);
            s1 = FloatVector.fromArray(F, a, aOff + k + L).fma(FloatVector.fromArray(F, b, bOff + k + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + k + 2 * L).fma(FloatVector.fromArray(F, b, bOff + k + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + k + 3 * L).fma(FloatVector.fromArray(F, b, bOff + k + 3 * L), s3);
        }
        for (; k + L <= n; k += L) {
            s0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            sum += a[aOff + k] * b[bOff + k];
        }
        return sum;
    }

    @Override
    public void gemm(float[] w, int wOff, int rows, int cols, float[] x, int xOff, int xStride, int n,
                     float[] y, int yOff, int yStride) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                tile2x4(w, wOff + r * cols, cols, x, xOff + j * xStride, xStride, y, yOff + j * yStride + r, yStride);
            }
            for (; j < n; j++) {
                y[yOff + j * yStride + r] += dot(w, wOff + r * cols, x, xOff + j * xStride, cols);
                y[yOff + j * yStride + r + 1] += dot(w, wOff + (r + 1) * cols, x, xOff + j * xStride, cols);
            }
        }
        if (r < rows) {
            for (int j = 0; j < n; j++) {
                y[yOff + j * yStride + r] += dot(w, wOff + r * cols, x, xOff + j * xStride, cols);
            }
        }
    }

    /**
     * Two weight rows times four vectors: each loaded weight vector serves four products and each
     * loaded input vector two, so the loop needs 6 loads per 8 fmas instead of 2 per fma.
     */
    private static void tile2x4(float[] w, int w0, int cols, float[] x, int x0, int xStride,
                                float[] y, int y0, int yStride) {
        int w1 = w0 + cols;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        int k = 0;
        for (; k + L <= cols; k += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector r1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + k);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + k);
            a00 = r0.fma(v0, a00);
            a01 = r0.fma(v1, a01);
            a02 = r0.fma(v2, a02);
            a03 = r0.fma(v3, a03);
            a10 = r1.fma(v0, a10);
            a11 = r1.fma(v1, a11);
            a12 = r1.fma(v2, a12);
            a13 = r1.fma(v3, a13);
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
        float s02 = a02.reduceLanes(VectorOperators.ADD), s03 = a03.reduceLanes(VectorOperators.ADD);
        float s10 = a10.reduceLanes(VectorOperators.ADD), s11 = a11.reduceLanes(VectorOperators.ADD);
        float s12 = a12.reduceLanes(VectorOperators.ADD), s13 = a13.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            float q0 = w[w0 + k];
            float q1 = w[w1 + k];
            s00 += q0 * x[x0 + k];
            s01 += q0 * x[x1 + k];
            s02 += q0 * x[x2 + k];
            s03 += q0 * x[x3 + k];
            s10 += q1 * x[x0 + k];
            s11 += q1 * x[x1 + k];
            s12 += q1 * x[x2 + k];
            s13 += q1 * x[x3 + k];
        }
        y[y0] += s00;
        y[y0 + yStride] += s01;
        y[y0 + 2 * yStride] += s02;
        y[y0 + 3 * yStride] += s03;
        y[y0 + 1] += s10;
        y[y0 + 1 + yStride] += s11;
        y[y0 + 1 + 2 * yStride] += s12;
        y[y0 + 1 + 3 * yStride] += s13;
    }

    // exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2)/2; e^r by Cephes' expf polynomial.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = 0x4B400000;
    /** Bounds that keep 2^n a normal float: e^88.3 < 2^128 and e^-87.3 > 2^-126. */
    private static final float EXP_HI = 88.3f;
    private static final float EXP_LO = -87.3f;

    // tanh writes exp out in its own loop body and is larger than C2's FreqInlineSize (325
    // bytecodes), so it compiles as its own root, where every vector operation is intrinsified.
    // A vector passed to or returned from a method C2 does not inline is boxed on the heap: a
    // shared exp helper was compiled on its own and boxed its result, and a small activation
    // inlined deep into the cell passed MaxInlineLevel with the Vector API's own calls.
    // ZeroAllocationTest and JMH's gc profiler check that a step allocates nothing.

    /**
     * sigmoid(x) = 1/2 + tanh(x/2)/2: the vectorized tanh does the work. (A sigmoid loop of
     * its own, the obvious 1 / (1 + e^-x), boxed vectors on every step under C2 here; the
     * scaling loops around tanh are plain Java that C2 vectorizes by itself.)
     */
    @Override
    public void sigmoid(float[] v, int off, int len) {
        for (int i = off; i < off + len; i++) {
            v[i] *= 0.5f;
        }
        tanh(v, off, len);
        for (int i = off; i < off + len; i++) {
            v[i] = 0.5f * v[i] + 0.5f;
        }
    }

    /**
     * tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)), and near 0, where that subtraction loses
     * precision, its Taylor series x - x³/3 + 2x⁵/15 - 17x⁷/315 (error below 3e-11 for |x| < 0.1).
     */
    @Override
    public void tanh(float[] v, int off, int len) {
        int i = off;
        int end = off + len;
        for (; i + L <= end; i += L) {
            FloatVector x = FloatVector.fromArray(F, v, i);
            FloatVector a = x.abs();
            FloatVector arg = a.mul(2f).min(18f);
            FloatVector t = arg.fma(LOG2E, ROUNDER);
            FloatVector n = t.sub(ROUNDER);
            FloatVector r = n.fma(c(-LN2_HI), arg);
            r = n.fma(c(-LN2_LO), r);
            FloatVector p = r.fma(c(1.9875691500E-4f), c(1.3981999507E-3f));
            p = p.fma(r, c(8.3334519073E-3f));
            p = p.fma(r, c(4.1665795894E-2f));
            p = p.fma(r, c(1.6666665459E-1f));
            p = p.fma(r, c(5.0000001201E-1f));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector bits = t.reinterpretAsInts().sub(ROUNDER_BITS).add(127).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = p.mul(bits.reinterpretAsFloats());
            FloatVector far = c(1f).sub(c(2f).div(e.add(1f)));
            FloatVector x2 = x.mul(x);
            FloatVector series = x2.fma(c(-17f / 315f), c(2f / 15f)).fma(x2, c(-1f / 3f)).fma(x2, c(1f)).mul(a);
            VectorMask<Float> small = a.compare(VectorOperators.LT, 0.1f);
            FloatVector magnitude = far.blend(series, small);
            magnitude.blend(magnitude.neg(), x.compare(VectorOperators.LT, 0f)).intoArray(v, i);
        }
        for (; i < end; i++) {
            v[i] = (float) Math.tanh(v[i]);
        }
    }

    private static FloatVector c(float value) {
        return FloatVector.broadcast(F, value);
    }
}
