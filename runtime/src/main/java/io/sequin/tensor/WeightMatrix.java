package io.sequin.tensor;

import java.util.Arrays;

/**
 * A row-major weight matrix in its stored type: floats, 16-bit patterns (f16 or bf16), or int8
 * with one scale per row. This is what a model holds in memory; kernels lay it out for
 * themselves and widen elements as they read them. Immutable.
 */
public final class WeightMatrix {
    private final WeightType type;
    private final int rows;
    private final int cols;
    private final float[] floats;
    private final short[] halves;
    private final byte[] bytes;
    private final float[] scales;

    private WeightMatrix(WeightType type, int rows, int cols, float[] floats, short[] halves, byte[] bytes, float[] scales) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("a matrix cannot be " + rows + "x" + cols);
        }
        long count = (long) rows * cols;
        int length = floats != null ? floats.length : halves != null ? halves.length : bytes.length;
        if (length != count) {
            throw new IllegalArgumentException(rows + "x" + cols + " " + type.displayName() + " matrix needs " + count + " elements, got " + length);
        }
        if (type == WeightType.INT8 && scales.length != rows) {
            throw new IllegalArgumentException(rows + "x" + cols + " int8 matrix needs " + rows + " scales, got " + scales.length);
        }
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.floats = floats;
        this.halves = halves;
        this.bytes = bytes;
        this.scales = scales;
    }

    /** A float matrix over {@code values} (not copied). */
    public static WeightMatrix ofFloats(int rows, int cols, float[] values) {
        return new WeightMatrix(WeightType.F32, rows, cols, values, null, null, null);
    }

    /** An f16 or bf16 matrix over {@code bits} (not copied). */
    public static WeightMatrix ofHalves(WeightType type, int rows, int cols, short[] bits) {
        if (type != WeightType.F16 && type != WeightType.BF16) {
            throw new IllegalArgumentException(type.displayName() + " is not a 16-bit type");
        }
        return new WeightMatrix(type, rows, cols, null, bits, null, null);
    }

    /** An int8 matrix over {@code values} with one scale per row (neither copied). */
    public static WeightMatrix ofInt8(int rows, int cols, byte[] values, float[] scales) {
        return new WeightMatrix(WeightType.INT8, rows, cols, null, null, values, scales);
    }

    public WeightType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Element (r, c) as the kernels see it: widened, and for int8 multiplied by its row's scale. */
    public float get(int r, int c) {
        int i = r * cols + c;
        switch (type) {
            case F32:
                return floats[i];
            case F16:
                return HalfFloats.f16ToFloat(halves[i]);
            case BF16:
                return HalfFloats.bf16ToFloat(halves[i]);
            default:
                return bytes[i] * scales[r];
        }
    }

    /** Rows {@code [from, from + count)} as a matrix of their own; this one when that is all of it. */
    public WeightMatrix rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + rows);
        }
        if (from == 0 && count == rows) {
            return this;
        }
        int start = from * cols;
        int end = (from + count) * cols;
        switch (type) {
            case F32:
                return ofFloats(count, cols, Arrays.copyOfRange(floats, start, end));
            case F16:
            case BF16:
                return ofHalves(type, count, cols, Arrays.copyOfRange(halves, start, end));
            default:
                return ofInt8(count, cols, Arrays.copyOfRange(bytes, start, end), Arrays.copyOfRange(scales, from, from + count));
        }
    }

    /** Bytes of element data and scales this matrix holds. */
    public long heapBytes() {
        long n = (long) rows * cols * type.bytes();
        return scales == null ? n : n + 4L * scales.length;
    }

    /** The elements, for kernels that lay them out; null unless the type is f32. Not copied. */
    public float[] floats() {
        return floats;
    }

    /** The 16-bit patterns; null unless the type is f16 or bf16. Not copied. */
    public short[] halves() {
        return halves;
    }

    /** The int8 values; null unless the type is int8. Not copied. */
    public byte[] int8() {
        return bytes;
    }

    /** The per-row scales; null unless the type is int8. Not copied. */
    public float[] scales() {
        return scales;
    }
}
