package io.sequin.kernel;

/**
 * The numeric primitives that layers are built from. Layers call only these, so that a faster
 * implementation (the Panama Vector API one) can replace the scalar one without touching a
 * layer. {@link ScalarKernels} is the readable specification every implementation is tested
 * against.
 *
 * <p>Matrices are row-major {@code float[]} arrays with an offset: element (r, k) of a matrix
 * with {@code cols} columns starting at {@code wOff} is {@code w[wOff + r * cols + k]}.
 * Implementations must not allocate.
 */
public interface Kernels {

    /** A short name for logs and reports: {@code scalar} or {@code panama}. */
    String name();

    /** Floats per vector register the kernels use; 1 for scalar kernels. */
    int vectorLanes();

    /** Matrix-vector product added into y: {@code y[yOff+r] += W[r,:]·x[xOff ..]} for r < rows. */
    void gemv(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff);

    /**
     * Two matrix-vector products with the same rows, added into y in one pass:
     * {@code y[yOff+r] += W[r,:]·x[xOff ..] + R[r,:]·h[hOff ..]}. This is a recurrent cell's
     * streaming step, {@code W·x + R·h}, without storing a fused [W|R] copy of the weights.
     */
    void gemv2(float[] w, int wOff, int wCols, float[] x, int xOff,
               float[] r, int rOff, int rCols, float[] h, int hOff,
               float[] y, int yOff, int rows);

    /**
     * The product of one matrix with {@code n} vectors, added into y, reading the matrix once
     * for all of them: {@code y[yOff + j*yStride + r] += W[r,:]·x[xOff + j*xStride ..]} for
     * r < rows, j < n. Batched streaming steps and a whole sequence's input projection use it.
     */
    void gemm(float[] w, int wOff, int rows, int cols, float[] x, int xOff, int xStride, int n,
              float[] y, int yOff, int yStride);

    /** Logistic sigmoid in place: {@code v[i] = 1 / (1 + exp(-v[i]))}. */
    void sigmoid(float[] v, int off, int len);

    /** Hyperbolic tangent in place. */
    void tanh(float[] v, int off, int len);
}
