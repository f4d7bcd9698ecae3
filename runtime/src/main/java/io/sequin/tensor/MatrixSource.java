package io.sequin.tensor;

/**
 * Where a weight matrix's rows are read from: a region of the model file
 * ({@link BufferMatrix}), a matrix on the heap ({@link WeightMatrix}), or a layout a kernel set
 * made of it. Kernel sets lay a matrix out from its source a few rows at a time, so loading a
 * model never holds a matrix twice.
 */
public interface MatrixSource {
    int rows();

    int cols();

    WeightType type();

    /**
     * Rows {@code [from, from + count)} in their stored type, row-major on the heap: a new copy,
     * except that a heap matrix's whole is itself.
     */
    WeightMatrix read(int from, int count);

    /** Bytes of heap this source holds for its rows (a file region: its int8 scales only). */
    long heapBytes();

    /** Rows {@code [from, from + count)} as a source of their own, sharing this one's storage. */
    default MatrixSource view(int from, int count) {
        return RowRange.of(this, from, count);
    }
}
