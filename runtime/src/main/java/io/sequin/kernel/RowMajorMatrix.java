package io.sequin.kernel;

import io.sequin.tensor.WeightMatrix;

/** The stored matrix as it is, row-major, for the scalar kernels: its {@link WeightMatrix#rowDot} is their product. */
public final class RowMajorMatrix extends PackedMatrix {
    private final WeightMatrix matrix;

    RowMajorMatrix(WeightMatrix matrix) {
        super(matrix.rows(), matrix.cols(), 1, matrix.type());
        this.matrix = matrix;
    }

    public WeightMatrix matrix() {
        return matrix;
    }

    @Override
    public long heapBytes() {
        return matrix.heapBytes();
    }
}
