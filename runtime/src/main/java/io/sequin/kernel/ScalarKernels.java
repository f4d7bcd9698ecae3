package io.sequin.kernel;

import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.WeightMatrix;

/**
 * Portable kernels in plain Java: the specification that faster kernels are tested against, and
 * what runs on JVMs without the Vector API. Matrices stay row-major in their stored type. Dot
 * products keep four independent accumulators so that consecutive additions do not wait on
 * each other's latency; an element is widened to float exactly ({@link HalfFloats}) before it
 * is multiplied, and an int8 row's sum is multiplied by the row's scale once, at the end.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorLanes() {
        return 1;
    }

    @Override
    public PackedMatrix pack(WeightMatrix m, int from, int rows) {
        return PackedMatrix.of(m, from, rows, 1);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        for (int r = 0; r < w.rows; r++) {
            y[yOff + r] += rowDot(w, r, x, xOff);
        }
    }

    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        requireSameRows(w, r);
        for (int i = 0; i < w.rows; i++) {
            y[yOff + i] += rowDot(w, i, x, xOff) + rowDot(r, i, h, hOff);
        }
    }

    @Override
    public void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        for (int j = 0; j < n; j++) {
            gemv(w, x, xOff + j * xStride, y, yOff + j * yStride);
        }
    }

    @Override
    public void sigmoid(float[] v, int off, int len) {
        for (int i = off; i < off + len; i++) {
            v[i] = sigmoid(v[i]);
        }
    }

    @Override
    public void tanh(float[] v, int off, int len) {
        for (int i = off; i < off + len; i++) {
            v[i] = (float) Math.tanh(v[i]);
        }
    }

    /** 1 / (1 + e^-x), computed in double and rounded once. */
    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    static void requireSameRows(PackedMatrix w, PackedMatrix r) {
        if (w.rows != r.rows) {
            throw new IllegalArgumentException("gemv2 needs matrices with the same rows, got " + w.rows + " and " + r.rows);
        }
    }

    /** Row {@code r} of a row-major matrix times {@code x[xOff ..]}. */
    private static float rowDot(PackedMatrix m, int r, float[] x, int xOff) {
        int cols = m.cols;
        int off = r * cols;
        switch (m.type) {
            case F32:
                return dot(m.elements(), off, x, xOff, cols);
            case F16:
                return dotF16(m.halves(), off, x, xOff, cols);
            case BF16:
                return dotBf16(m.halves(), off, x, xOff, cols);
            default:
                return dotInt8(m.int8(), off, x, xOff, cols) * m.scales()[r];
        }
    }

    /** Dot product of {@code n} floats. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += a[aOff + k] * b[bOff + k];
            s1 += a[aOff + k + 1] * b[bOff + k + 1];
            s2 += a[aOff + k + 2] * b[bOff + k + 2];
            s3 += a[aOff + k + 3] * b[bOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += a[aOff + k] * b[bOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static float dotF16(short[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += HalfFloats.f16ToFloat(a[aOff + k]) * b[bOff + k];
            s1 += HalfFloats.f16ToFloat(a[aOff + k + 1]) * b[bOff + k + 1];
            s2 += HalfFloats.f16ToFloat(a[aOff + k + 2]) * b[bOff + k + 2];
            s3 += HalfFloats.f16ToFloat(a[aOff + k + 3]) * b[bOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += HalfFloats.f16ToFloat(a[aOff + k]) * b[bOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static float dotBf16(short[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += HalfFloats.bf16ToFloat(a[aOff + k]) * b[bOff + k];
            s1 += HalfFloats.bf16ToFloat(a[aOff + k + 1]) * b[bOff + k + 1];
            s2 += HalfFloats.bf16ToFloat(a[aOff + k + 2]) * b[bOff + k + 2];
            s3 += HalfFloats.bf16ToFloat(a[aOff + k + 3]) * b[bOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += HalfFloats.bf16ToFloat(a[aOff + k]) * b[bOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ q·x over the row; the caller multiplies by the row's scale. */
    private static float dotInt8(byte[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += a[aOff + k] * b[bOff + k];
            s1 += a[aOff + k + 1] * b[bOff + k + 1];
            s2 += a[aOff + k + 2] * b[bOff + k + 2];
            s3 += a[aOff + k + 3] * b[bOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += a[aOff + k] * b[bOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
