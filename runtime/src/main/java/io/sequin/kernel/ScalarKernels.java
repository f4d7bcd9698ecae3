package io.sequin.kernel;

import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;

/**
 * Portable kernels in plain Java: the specification that faster kernels are tested against, and
 * what runs on JVMs without the Vector API. Matrices stay row-major in their stored type, and a
 * row's product is the stored matrix's own {@link WeightMatrix#rowDot}: one loop of four
 * independent accumulators for every type, each element widened to float exactly before it is
 * multiplied, an int8 row's sum multiplied by the row's scale once, at the end.
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
    public PackedMatrix pack(MatrixSource m, int from, int rows) {
        return PackedMatrix.of(m, from, rows, 1);
    }

    @Override
    public void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff) {
        RowMajorMatrix m = rowMajor(w);
        for (int r = 0; r < w.rows; r++) {
            y[yOff + r] += m.rowDot(r, x, xOff);
        }
    }

    @Override
    public void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff) {
        requireSameRows(w, r);
        RowMajorMatrix mw = rowMajor(w);
        RowMajorMatrix mr = rowMajor(r);
        for (int i = 0; i < w.rows; i++) {
            y[yOff + i] += mw.rowDot(i, x, xOff) + mr.rowDot(i, h, hOff);
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

    /** A layout these kernels made. */
    private static RowMajorMatrix rowMajor(PackedMatrix m) {
        if (!(m instanceof RowMajorMatrix)) {
            throw new IllegalArgumentException("the scalar kernels take the row-major matrices they pack, not " + m.getClass().getSimpleName());
        }
        return (RowMajorMatrix) m;
    }
}
