package io.sequin.ir;

/**
 * A layer's weight matrix as the quantize step sees it: the name the file gives the tensor
 * ({@code layer.W}), its shape [.., rows, cols], and its f32 values (not copied).
 */
public final class IrMatrix {
    public final String name;
    public final int[] shape;
    public final float[] values;

    public IrMatrix(String name, int[] shape, float[] values) {
        this.name = name;
        this.shape = shape.clone();
        this.values = values;
    }

    /** Columns: the last axis. */
    public int cols() {
        return shape[shape.length - 1];
    }

    /** Rows: every axis but the last, flattened. */
    public int rows() {
        return cols() == 0 ? 0 : values.length / cols();
    }
}
