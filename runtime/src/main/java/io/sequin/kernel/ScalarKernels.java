package io.sequin.kernel;

/**
 * Portable kernels in plain Java: the specification that faster kernels are tested against, and
 * what runs on JVMs without the Vector API. Matrices stay row-major. Dot products keep four
 * independent accumulators so that consecutive additions do not wait on each other's latency.
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
    public PackedMatrix pack(float[] w, int off, int rows, int cols) {
        return PackedMatrix.of(w, off, rows, cols, 1);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        float[] a = w.data;
        int cols = w.cols;
        for (int r = 0; r < w.rows; r++) {
            y[yOff + r] += dot(a, r * cols, x, xOff, cols);
        }
    }

    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        requireSameRows(w, r);
        for (int i = 0; i < w.rows; i++) {
            y[yOff + i] += dot(w.data, i * w.cols, x, xOff, w.cols) + dot(r.data, i * r.cols, h, hOff, r.cols);
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
}
