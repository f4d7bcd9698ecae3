package io.sequin.tensor;

import java.util.Arrays;

/** A weight matrix of bfloat16 values (bit patterns: a float's upper half), widened exactly to float when read. */
public final class Bf16Matrix extends WeightMatrix {
    private final short[] bits;

    Bf16Matrix(int rows, int cols, short[] bits) {
        super(rows, cols, bits.length);
        this.bits = bits;
    }

    @Override
    public WeightType type() {
        return WeightType.BF16;
    }

    @Override
    public float get(int r, int c) {
        return HalfFloats.bf16ToFloat(bits[r * cols() + c]);
    }

    @Override
    public float rowDot(int r, float[] x, int xOff) {
        return dot(this, r * cols(), x, xOff, cols());
    }

    @Override
    float element(int i) {
        return HalfFloats.bf16ToFloat(bits[i]);
    }

    @Override
    public Bf16Matrix rows(int from, int count) {
        return whole(from, count) ? this : new Bf16Matrix(count, cols(), Arrays.copyOfRange(bits, from * cols(), (from + count) * cols()));
    }

    @Override
    public long heapBytes() {
        return 2L * bits.length;
    }

    /** The bit patterns, row-major; not copied. */
    public short[] bits() {
        return bits;
    }
}
