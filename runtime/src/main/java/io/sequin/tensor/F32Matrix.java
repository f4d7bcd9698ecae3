package io.sequin.tensor;

import java.util.Arrays;

/** A weight matrix of floats, as trained. */
public final class F32Matrix extends WeightMatrix {
    private final float[] values;

    F32Matrix(int rows, int cols, float[] values) {
        super(rows, cols, values.length);
        this.values = values;
    }

    @Override
    public WeightType type() {
        return WeightType.F32;
    }

    @Override
    public float get(int r, int c) {
        return values[r * cols() + c];
    }

    @Override
    public float rowDot(int r, float[] x, int xOff) {
        return dot(this, r * cols(), x, xOff, cols());
    }

    @Override
    float element(int i) {
        return values[i];
    }

    @Override
    public F32Matrix rows(int from, int count) {
        return whole(from, count) ? this : new F32Matrix(count, cols(), Arrays.copyOfRange(values, from * cols(), (from + count) * cols()));
    }

    @Override
    public long heapBytes() {
        return 4L * values.length;
    }

    /** The elements, row-major; not copied. */
    public float[] values() {
        return values;
    }
}
