package io.sequin.kernel;

/**
 * Portable kernels in plain Java: the specification that faster kernels are tested against, and
 * what runs on JVMs without the Vector API. Dot products keep four independent accumulators so
 * that consecutive additions do not wait on each other's latency.
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

    @Override
    public void gemm(float[] w, int wOff, int rows, int cols, float[] x, int xOff, int xStride, int n,
                     float[] y, int yOff, int yStride) {
        for (int j = 0; j < n; j++) {
            gemv(w, wOff, rows, cols, x, xOff + j * xStride, y, yOff + j * yStride);
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
