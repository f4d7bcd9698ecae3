package io.sequin.kernel.panama;

import io.sequin.kernel.Kernels;
import io.sequin.kernel.PackedMatrix;
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
 * <p>The register-tile loops are written out where they are used rather than shared through
 * helpers that take or return vectors: a vector crossing a method C2 does not inline is boxed on
 * the heap, which the zero-allocation tests would catch.
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

    /** Panels of one vector's width: column k of a panel is one vector load. */
    @Override
    public PackedMatrix pack(float[] w, int off, int rows, int cols) {
        return PackedMatrix.of(w, off, rows, cols, L);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        products(w, x, xOff, y, yOff);
    }

    /** W·x, then R·h, each into y: every weight is still read once per step. */
    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        if (w.rows != r.rows) {
            throw new IllegalArgumentException("gemv2 needs matrices with the same rows, got " + w.rows + " and " + r.rows);
        }
        products(w, x, xOff, y, yOff);
        products(r, h, hOff, y, yOff);
    }

    /**
     * y += M·v in the column form: for each column k, a panel's weights (one vector of L rows)
     * times v[k] broadcast, accumulated per panel, so no horizontal reduction is needed. Four
     * panels are done together, each with two accumulators (even and odd k): eight independent
     * fma chains hide the fma latency, and each broadcast serves four panels.
     */
    private static void products(PackedMatrix m, float[] v, int vOff, float[] y, int yOff) {
        float[] d = m.elements();
        int cols = m.cols;
        int full = m.rows / L;
        int p = 0;
        for (; p + 4 <= full; p += 4) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int s2 = s1 + cols * L;
            int s3 = s2 + cols * L;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 <= cols; k += 2) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                FloatVector x1 = FloatVector.broadcast(F, v[vOff + k + 1]);
                int o = k * L;
                a0 = FloatVector.fromArray(F, d, s0 + o).fma(x0, a0);
                a1 = FloatVector.fromArray(F, d, s1 + o).fma(x0, a1);
                a2 = FloatVector.fromArray(F, d, s2 + o).fma(x0, a2);
                a3 = FloatVector.fromArray(F, d, s3 + o).fma(x0, a3);
                b0 = FloatVector.fromArray(F, d, s0 + o + L).fma(x1, b0);
                b1 = FloatVector.fromArray(F, d, s1 + o + L).fma(x1, b1);
                b2 = FloatVector.fromArray(F, d, s2 + o + L).fma(x1, b2);
                b3 = FloatVector.fromArray(F, d, s3 + o + L).fma(x1, b3);
            }
            if (k < cols) {
                FloatVector x0 = FloatVector.broadcast(F, v[vOff + k]);
                int o = k * L;
                a0 = FloatVector.fromArray(F, d, s0 + o).fma(x0, a0);
                a1 = FloatVector.fromArray(F, d, s1 + o).fma(x0, a1);
                a2 = FloatVector.fromArray(F, d, s2 + o).fma(x0, a2);
                a3 = FloatVector.fromArray(F, d, s3 + o).fma(x0, a3);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a0.add(b0)).intoArray(y, out);
            FloatVector.fromArray(F, y, out + L).add(a1.add(b1)).intoArray(y, out + L);
            FloatVector.fromArray(F, y, out + 2 * L).add(a2.add(b2)).intoArray(y, out + 2 * L);
            FloatVector.fromArray(F, y, out + 3 * L).add(a3.add(b3)).intoArray(y, out + 3 * L);
        }
        for (; p < full; p++) {
            int s = p * cols * L;
            FloatVector a = FloatVector.zero(F);
            FloatVector b = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 <= cols; k += 2) {
                a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, v[vOff + k]), a);
                b = FloatVector.fromArray(F, d, s + (k + 1) * L).fma(FloatVector.broadcast(F, v[vOff + k + 1]), b);
            }
            if (k < cols) {
                a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, v[vOff + k]), a);
            }
            int out = yOff + p * L;
            FloatVector.fromArray(F, y, out).add(a.add(b)).intoArray(y, out);
        }
        if (full * L < m.rows) {
            partialPanel(m, v, vOff, y, yOff, full);
        }
    }

    /** The last panel when the rows are not a multiple of the vector width: plain Java. */
    private static void partialPanel(PackedMatrix m, float[] v, int vOff, float[] y, int yOff, int p) {
        float[] d = m.elements();
        int cols = m.cols;
        int base = p * cols * L;
        for (int row = p * L; row < m.rows; row++) {
            int lane = row - p * L;
            float s = 0;
            for (int k = 0; k < cols; k++) {
                s += d[base + k * L + lane] * v[vOff + k];
            }
            y[yOff + row] += s;
        }
    }

    /**
     * One matrix times n vectors, in register tiles of panels by vectors (6 loads per 8 fmas
     * either way): up to eight vectors, two panels by four, so the weights are read at most twice;
     * more vectors, four panels by two, which measured faster on a sequence's projection. A
     * single vector goes to the matrix-vector loop, which keeps more fma chains busy.
     */
    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        if (n == 1) {
            products(w, x, xOff, y, yOff);
            return;
        }
        int p = n <= 8 ? fewVectors(w, x, xOff, xStride, n, y, yOff, yStride) : manyVectors(w, x, xOff, xStride, n, y, yOff, yStride);
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        for (; p < full; p++) {
            int s = p * cols * L;
            for (int j = 0; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    a = FloatVector.fromArray(F, d, s + k * L).fma(FloatVector.broadcast(F, x[xj + k]), a);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a).intoArray(y, out);
            }
        }
        if (full * L < w.rows) {
            for (int j = 0; j < n; j++) {
                partialPanel(w, x, xOff + j * xStride, y, yOff + j * yStride, full);
            }
        }
    }

    /**
     * A few vectors (batched streams): two panels by four vectors per register tile, so the
     * weights are read once per four vectors. Returns the first panel left undone.
     */
    private static int fewVectors(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        int p = 0;
        for (; p + 2 <= full; p += 2) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int x0 = xOff + j * xStride;
                int x1 = x0 + xStride;
                int x2 = x1 + xStride;
                int x3 = x2 + xStride;
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector w0 = FloatVector.fromArray(F, d, s0 + k * L);
                    FloatVector w1 = FloatVector.fromArray(F, d, s1 + k * L);
                    FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
                    FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
                    FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
                    FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
                    a00 = w0.fma(v0, a00);
                    a01 = w0.fma(v1, a01);
                    a02 = w0.fma(v2, a02);
                    a03 = w0.fma(v3, a03);
                    a10 = w1.fma(v0, a10);
                    a11 = w1.fma(v1, a11);
                    a12 = w1.fma(v2, a12);
                    a13 = w1.fma(v3, a13);
                }
                int o0 = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, o0).add(a00).intoArray(y, o0);
                FloatVector.fromArray(F, y, o0 + L).add(a10).intoArray(y, o0 + L);
                FloatVector.fromArray(F, y, o0 + yStride).add(a01).intoArray(y, o0 + yStride);
                FloatVector.fromArray(F, y, o0 + yStride + L).add(a11).intoArray(y, o0 + yStride + L);
                FloatVector.fromArray(F, y, o0 + 2 * yStride).add(a02).intoArray(y, o0 + 2 * yStride);
                FloatVector.fromArray(F, y, o0 + 2 * yStride + L).add(a12).intoArray(y, o0 + 2 * yStride + L);
                FloatVector.fromArray(F, y, o0 + 3 * yStride).add(a03).intoArray(y, o0 + 3 * yStride);
                FloatVector.fromArray(F, y, o0 + 3 * yStride + L).add(a13).intoArray(y, o0 + 3 * yStride + L);
            }
            for (; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v = FloatVector.broadcast(F, x[xj + k]);
                    a0 = FloatVector.fromArray(F, d, s0 + k * L).fma(v, a0);
                    a1 = FloatVector.fromArray(F, d, s1 + k * L).fma(v, a1);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a0).intoArray(y, out);
                FloatVector.fromArray(F, y, out + L).add(a1).intoArray(y, out + L);
            }
        }
        return p;
    }

    /**
     * Many vectors (a sequence's input projection, compute-bound): four panels by two vectors
     * per register tile, one broadcast per four fmas. Returns the first panel left undone.
     */
    private static int manyVectors(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        float[] d = w.elements();
        int cols = w.cols;
        int full = w.rows / L;
        int p = 0;
        for (; p + 4 <= full; p += 4) {
            int s0 = p * cols * L;
            int s1 = s0 + cols * L;
            int s2 = s1 + cols * L;
            int s3 = s2 + cols * L;
            int j = 0;
            for (; j + 2 <= n; j += 2) {
                int x0 = xOff + j * xStride;
                int x1 = x0 + xStride;
                FloatVector a00 = FloatVector.zero(F), a10 = FloatVector.zero(F), a20 = FloatVector.zero(F), a30 = FloatVector.zero(F);
                FloatVector a01 = FloatVector.zero(F), a11 = FloatVector.zero(F), a21 = FloatVector.zero(F), a31 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
                    FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
                    FloatVector w0 = FloatVector.fromArray(F, d, s0 + k * L);
                    FloatVector w1 = FloatVector.fromArray(F, d, s1 + k * L);
                    FloatVector w2 = FloatVector.fromArray(F, d, s2 + k * L);
                    FloatVector w3 = FloatVector.fromArray(F, d, s3 + k * L);
                    a00 = w0.fma(v0, a00);
                    a10 = w1.fma(v0, a10);
                    a20 = w2.fma(v0, a20);
                    a30 = w3.fma(v0, a30);
                    a01 = w0.fma(v1, a01);
                    a11 = w1.fma(v1, a11);
                    a21 = w2.fma(v1, a21);
                    a31 = w3.fma(v1, a31);
                }
                int o0 = yOff + j * yStride + p * L;
                int o1 = o0 + yStride;
                FloatVector.fromArray(F, y, o0).add(a00).intoArray(y, o0);
                FloatVector.fromArray(F, y, o0 + L).add(a10).intoArray(y, o0 + L);
                FloatVector.fromArray(F, y, o0 + 2 * L).add(a20).intoArray(y, o0 + 2 * L);
                FloatVector.fromArray(F, y, o0 + 3 * L).add(a30).intoArray(y, o0 + 3 * L);
                FloatVector.fromArray(F, y, o1).add(a01).intoArray(y, o1);
                FloatVector.fromArray(F, y, o1 + L).add(a11).intoArray(y, o1 + L);
                FloatVector.fromArray(F, y, o1 + 2 * L).add(a21).intoArray(y, o1 + 2 * L);
                FloatVector.fromArray(F, y, o1 + 3 * L).add(a31).intoArray(y, o1 + 3 * L);
            }
            for (; j < n; j++) {
                int xj = xOff + j * xStride;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    FloatVector v = FloatVector.broadcast(F, x[xj + k]);
                    a0 = FloatVector.fromArray(F, d, s0 + k * L).fma(v, a0);
                    a1 = FloatVector.fromArray(F, d, s1 + k * L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, d, s2 + k * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, d, s3 + k * L).fma(v, a3);
                }
                int out = yOff + j * yStride + p * L;
                FloatVector.fromArray(F, y, out).add(a0).intoArray(y, out);
                FloatVector.fromArray(F, y, out + L).add(a1).intoArray(y, out + L);
                FloatVector.fromArray(F, y, out + 2 * L).add(a2).intoArray(y, out + 2 * L);
                FloatVector.fromArray(F, y, out + 3 * L).add(a3).intoArray(y, out + 3 * L);
            }
        }
        return p;
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
