package io.sequin.kernel;

import io.sequin.tensor.WeightMatrix;

/**
 * A row-major matrix in its stored type, for the scalar kernels: rows {@code [first, first + rows)}
 * of a {@link WeightMatrix} (all of it, but for a slice), whose {@link WeightMatrix#rowDot} is
 * their product.
 */
public final class RowMajorMatrix extends PackedMatrix {
    private final WeightMatrix matrix;
    private final int first;

    RowMajorMatrix(WeightMatrix matrix) {
        this(matrix, 0, matrix.rows());
    }

    private RowMajorMatrix(WeightMatrix matrix, int first, int rows) {
        super(rows, matrix.cols(), 1, matrix.type());
        this.matrix = matrix;
        this.first = first;
    }

    /** Row r of this matrix times {@code x[xOff ..]}: the scalar kernels' product. */
    public float rowDot(int r, float[] x, int xOff) {
        return matrix.rowDot(first + r, x, xOff);
    }

    @Override
    public RowMajorMatrix slice(int from, int count) {
        checkRows(from, count);
        return new RowMajorMatrix(matrix, first + from, count);
    }

    @Override
    public WeightMatrix read(int from, int count) {
        checkRows(from, count);
        return matrix.rows(first + from, count);
    }

    @Override
    public long heapBytes() {
        return first == 0 && rows == matrix.rows() ? matrix.heapBytes() : 0;
    }
}
