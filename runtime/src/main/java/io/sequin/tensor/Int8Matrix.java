package io.sequin.tensor;

import java.util.Arrays;

/**
 * A weight matrix of int8 values with one scale per row: element (r, c) is
 * {@code values[r][c] * scales[r]}. A row's dot product sums {@code q·x} and multiplies by the
 * scale once, at the end.
 */
public final class Int8Matrix extends WeightMatrix {
    private final byte[] values;
    private final float[] scales;

    Int8Matrix(int rows, int cols, byte[] values, float[] scales) {
        super(rows, cols, values.length);
        if (scales.length != rows) {
            throw new IllegalArgumentException(rows + "x" + cols + " int8 matrix needs " + rows + " scales, got " + scales.length);
        }
        this.values = values;
        this.scales = scales;
    }

    @Override
    public WeightType type() {
        return WeightType.INT8;
    }

    @Override
    public float get(int r, int c) {
        return values[r * cols() + c] * scales[r];
    }

    @Override
    public float rowDot(int r, float[] x, int xOff) {
        return dot(this, r * cols(), x, xOff, cols()) * scales[r];
    }

    @Override
    float element(int i) {
        return values[i];
    }

    @Override
    public Int8Matrix rows(int from, int count) {
        return whole(from, count) ? this : new Int8Matrix(count, cols(), Arrays.copyOfRange(values, from * cols(), (from + count) * cols()),
                Arrays.copyOfRange(scales, from, from + count));
    }

    @Override
    public long heapBytes() {
        return values.length + 4L * scales.length;
    }

    /** The int8 values, row-major; not copied. */
    public byte[] values() {
        return values;
    }

    /** Each row's scale; not copied. */
    public float[] scales() {
        return scales;
    }
}
