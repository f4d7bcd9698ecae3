package io.sequin.tensor;

import java.util.Arrays;

/**
 * A dense, row-major tensor of float32, int32 or int64 elements.
 *
 * <p>A tensor wraps its array without copying; callers that hand an array to a tensor must not
 * change it afterwards while the tensor is in use. Shapes are small int arrays, copied on the way
 * in and out.
 */
public final class Tensor {
    private final ElementType type;
    private final int[] shape;
    private final float[] floats;
    private final int[] ints;
    private final long[] longs;

    private Tensor(ElementType type, int[] shape, float[] floats, int[] ints, long[] longs) {
        this.type = type;
        this.shape = shape.clone();
        this.floats = floats;
        this.ints = ints;
        this.longs = longs;
        long count = elementCount(this.shape);
        int length = floats != null ? floats.length : ints != null ? ints.length : longs.length;
        if (count != length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + count + " elements, data has " + length);
        }
    }

    public static Tensor ofFloats(int[] shape, float[] data) {
        return new Tensor(ElementType.FLOAT32, shape, data, null, null);
    }

    public static Tensor ofInts(int[] shape, int[] data) {
        return new Tensor(ElementType.INT32, shape, null, data, null);
    }

    public static Tensor ofLongs(int[] shape, long[] data) {
        return new Tensor(ElementType.INT64, shape, null, null, data);
    }

    /** A float32 tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return ofFloats(shape, new float[Math.toIntExact(elementCount(shape))]);
    }

    /**
     * The number of elements a shape holds, or throws if a dimension is negative or the count
     * does not fit a Java array.
     */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= d;
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large for one array");
            }
        }
        return count;
    }

    public ElementType type() {
        return type;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Whether this tensor's shape equals {@code dims} (no copy is made). */
    public boolean hasShape(int[] dims) {
        return Arrays.equals(shape, dims);
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int size() {
        return floats != null ? floats.length : ints != null ? ints.length : longs.length;
    }

    /** The float32 data, not copied. */
    public float[] floats() {
        requireType(ElementType.FLOAT32);
        return floats;
    }

    /** The int32 data, not copied. */
    public int[] ints() {
        requireType(ElementType.INT32);
        return ints;
    }

    /** The int64 data, not copied. */
    public long[] longs() {
        requireType(ElementType.INT64);
        return longs;
    }

    private void requireType(ElementType wanted) {
        if (type != wanted) {
            throw new IllegalStateException("tensor holds " + type.displayName() + ", not " + wanted.displayName());
        }
    }

    /** Shape as {@code [2, 3, 4]}. */
    public static String format(int[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return type.displayName() + format(shape);
    }
}
