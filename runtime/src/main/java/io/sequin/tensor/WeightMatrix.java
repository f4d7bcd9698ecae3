package io.sequin.tensor;

/**
 * A row-major weight matrix in its stored type, one class per type: {@link F32Matrix},
 * {@link F16Matrix}, {@link Bf16Matrix} and {@link Int8Matrix} (one scale per row). Each
 * class's {@link #get} is the specification of how its elements are read: kernels lay the
 * matrix out for themselves and widen elements as they read them, and must agree with it.
 * Immutable.
 */
public abstract class WeightMatrix implements MatrixSource {
    private final int rows;
    private final int cols;

    /** For the four types in this package only. */
    WeightMatrix(int rows, int cols, int length) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("a matrix cannot be " + rows + "x" + cols);
        }
        if (length != (long) rows * cols) {
            throw new IllegalArgumentException(rows + "x" + cols + " " + type().displayName() + " matrix needs "
                    + (long) rows * cols + " elements, got " + length);
        }
        this.rows = rows;
        this.cols = cols;
    }

    /** A float matrix over {@code values} (not copied). */
    public static F32Matrix ofFloats(int rows, int cols, float[] values) {
        return new F32Matrix(rows, cols, values);
    }

    /** An f16 or bf16 matrix over {@code bits} (not copied). */
    public static WeightMatrix ofHalves(WeightType type, int rows, int cols, short[] bits) {
        if (type == WeightType.F16) {
            return new F16Matrix(rows, cols, bits);
        }
        if (type == WeightType.BF16) {
            return new Bf16Matrix(rows, cols, bits);
        }
        throw new IllegalArgumentException(type.displayName() + " is not a 16-bit type");
    }

    /** An int8 matrix over {@code values} with one scale per row (neither copied). */
    public static Int8Matrix ofInt8(int rows, int cols, byte[] values, float[] scales) {
        return new Int8Matrix(rows, cols, values, scales);
    }

    @Override
    public abstract WeightType type();

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    /** Element (r, c) as the kernels see it: widened, and for int8 multiplied by its row's scale. */
    public abstract float get(int r, int c);

    /**
     * Row r times {@code x[xOff .. xOff + cols)}, summed as {@link #dot} does: the scalar
     * kernels' product, and the reference of the vector ones.
     */
    public abstract float rowDot(int r, float[] x, int xOff);

    /** Rows {@code [from, from + count)} as a matrix of their own; this one when that is all of it. */
    public abstract WeightMatrix rows(int from, int count);

    /** {@link #rows}: a copy, or this matrix when that is all of it. */
    @Override
    public final WeightMatrix read(int from, int count) {
        return rows(from, count);
    }

    /** Bytes of element data and scales this matrix holds. */
    @Override
    public abstract long heapBytes();

    /** Element i of the row-major data, widened exactly to float; int8 without its row's scale. */
    abstract float element(int i);

    /** Checks a row range and says whether it is the whole matrix. */
    final boolean whole(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + rows);
        }
        return from == 0 && count == rows;
    }

    /**
     * The dot product of {@code n} elements of {@code m} from {@code off} with {@code x}, the one
     * loop every type shares. Four independent accumulators, so consecutive additions do not wait
     * on each other's latency, added pairwise at the end. Each type's {@link #rowDot} passes
     * itself, a final class, so once C2 inlines this loop there, {@link #element} is a direct,
     * inlined read of that type's array.
     */
    static float dot(WeightMatrix m, int off, float[] x, int xOff, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += m.element(off + k) * x[xOff + k];
            s1 += m.element(off + k + 1) * x[xOff + k + 1];
            s2 += m.element(off + k + 2) * x[xOff + k + 2];
            s3 += m.element(off + k + 3) * x[xOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += m.element(off + k) * x[xOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
