package io.sequin.tensor;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A weight matrix still in the model file: its little-endian elements in a buffer (a mapped file,
 * or the bytes a model was loaded from), read a few rows at a time when a kernel set lays the
 * matrix out. The buffer is not copied and must not change; an int8 matrix's scales are on the
 * heap.
 */
public final class BufferMatrix implements MatrixSource {
    private final ByteBuffer data;
    private final WeightType type;
    private final int rows;
    private final int cols;
    private final float[] scales;

    /**
     * @param data exactly {@code rows * cols} elements of {@code type}, from its position; the
     *     buffer is sliced, not copied
     * @param scales an int8 matrix's scale per row (not copied); null for the other types
     */
    public BufferMatrix(ByteBuffer data, WeightType type, int rows, int cols, float[] scales) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("a matrix cannot be " + rows + "x" + cols);
        }
        long bytes = (long) rows * cols * type.bytes();
        if (data.remaining() != bytes) {
            throw new IllegalArgumentException(rows + "x" + cols + " " + type.displayName() + " matrix needs " + bytes
                    + " bytes, got " + data.remaining());
        }
        if ((type == WeightType.INT8) != (scales != null) || scales != null && scales.length != rows) {
            throw new IllegalArgumentException(type == WeightType.INT8 ? rows + "x" + cols + " int8 matrix needs " + rows + " scales"
                    : "scales are for int8 matrices only");
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.scales = scales;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public WeightType type() {
        return type;
    }

    @Override
    public WeightMatrix read(int from, int count) {
        RowRange.check(this, from, count);
        try {
            return copy(from, count);
        } catch (InternalError e) {
            // A mapped file cut short by another process faults when read.
            throw new IllegalStateException("the model file changed after it was loaded (" + e.getMessage() + ")", e);
        }
    }

    private WeightMatrix copy(int from, int count) {
        int n = Math.multiplyExact(count, cols);
        // A duplicate of its own per read, so that sessions of several threads may read at once.
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Through Buffer: ByteBuffer's own position(int) is newer than Android's API 26.
        ((Buffer) b).position(Math.multiplyExact(Math.multiplyExact(from, cols), type.bytes()));
        // if rather than a switch on the enum, which would cost the runtime jar a class (its size is budgeted).
        if (type == WeightType.F32) {
            float[] v = new float[n];
            b.asFloatBuffer().get(v);
            return WeightMatrix.ofFloats(count, cols, v);
        }
        if (type == WeightType.INT8) {
            byte[] v = new byte[n];
            b.get(v);
            float[] s = new float[count];
            System.arraycopy(scales, from, s, 0, count);
            return WeightMatrix.ofInt8(count, cols, v, s);
        }
        short[] v = new short[n];
        b.asShortBuffer().get(v);
        return WeightMatrix.ofHalves(type, count, cols, v);
    }

    @Override
    public long heapBytes() {
        return scales == null ? 0 : 4L * scales.length;
    }
}
