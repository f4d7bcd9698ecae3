package io.sequin.kernel;

import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * The numeric primitives that layers are built from. Layers call only these, so that a faster
 * implementation (the Panama Vector API one) can replace the scalar one without touching a
 * layer. {@link ScalarKernels} is the readable specification every implementation is tested
 * against.
 *
 * <p>Weight matrices are first laid out for the kernel set with {@link #pack}, once, when a
 * session first needs them; the products then read that layout, or a
 * {@link PackedMatrix#slice slice} of it. Matrices keep their stored type
 * (f32, f16, bf16, or int8 with a scale per row) and the products widen each element to float as
 * they read it, then accumulate in float; int8 rows are multiplied by their scale once, after
 * their sum. Vectors are {@code float[]} with an offset. Implementations are stateless,
 * thread-safe, and never allocate outside {@link #pack}.
 */
public interface Kernels {

    /** A short name for logs and reports: {@code scalar} or {@code panama}. */
    String name();

    /** Floats per vector register the kernels use; 1 for scalar kernels. */
    int vectorLanes();

    /**
     * Why the vector width is not the widest the CPU offers, or an override that was not taken
     * as given; empty when there is nothing to say. Logged with the kernel choice.
     */
    default String widthNote() {
        return "";
    }

    /**
     * Rows a slice of a matrix must start at a multiple of for its rows to be laid out, and so
     * summed, exactly as in the whole matrix: a step split across threads by rows then computes
     * each row bit for bit as one thread does. 1 for row-major kernels.
     */
    default int rowGrain() {
        return 1;
    }

    /**
     * Lays out rows {@code [from, from + rows)} of {@code m} for these kernels, in its stored
     * type, reading a few rows of it at a time.
     */
    PackedMatrix pack(MatrixSource m, int from, int rows);

    /** Lays out rows [0, rows) of a row-major float matrix that starts at {@code w[off]} for these kernels. */
    default PackedMatrix pack(float[] w, int off, int rows, int cols) {
        float[] part = Arrays.copyOfRange(w, off, Math.addExact(off, Math.multiplyExact(rows, cols)));
        return pack(WeightMatrix.ofFloats(rows, cols, part), 0, rows);
    }

    /** Matrix-vector product added into y: {@code y[yOff+r] += W[r,:]·x[xOff ..]} for every row r. */
    void gemv(PackedMatrix w, float[] x, int xOff, float[] y, int yOff);

    /**
     * Two matrix-vector products with the same rows, added into y in one pass:
     * {@code y[yOff+r] += W[r,:]·x[xOff ..] + R[r,:]·h[hOff ..]}: a recurrent cell's streaming
     * step, {@code W·x + R·h}, without a fused [W|R] copy of the weights.
     */
    void gemv2(PackedMatrix w, float[] x, int xOff, PackedMatrix r, float[] h, int hOff, float[] y, int yOff);

    /**
     * The product of one matrix with {@code n} vectors, added into y, reading the matrix once for
     * all of them: {@code y[yOff + j*yStride + r] += W[r,:]·x[xOff + j*xStride ..]} for every
     * row r and j < n. Batched streaming steps and a whole sequence's input projection use it.
     */
    void gemm(PackedMatrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride);

    /** Logistic sigmoid in place: {@code v[i] = 1 / (1 + exp(-v[i]))}. */
    void sigmoid(float[] v, int off, int len);

    /** Hyperbolic tangent in place. */
    void tanh(float[] v, int off, int len);
}
