package io.sequin.kernel;

/**
 * The numeric primitives that layers are built from. Layers call only these, so that a faster
 * implementation (the Panama Vector API one) can replace the scalar one without touching a
 * layer. {@link ScalarKernels} is the readable specification every implementation is checked
 * against.
 *
 * <p>Matrices are row-major {@code float[]} arrays: element (r, k) of a matrix with {@code cols}
 * columns is {@code w[r * cols + k]}.
 */
public interface Kernels {

    /** A short name for logs and benchmark reports, such as {@code scalar}. */
    String name();

    /**
     * Adds a matrix-vector product into {@code out}:
     * {@code out[outOff + r] += sum_k w[r * cols + k] * x[xOff + k]} for {@code r < rows}.
     */
    void matVecAdd(float[] w, int rows, int cols, float[] x, int xOff, float[] out, int outOff);
}
