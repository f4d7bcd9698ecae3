package io.sequin.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Tensor elements as little-endian bytes, the order of both the model file and {@code .npy}. */
public final class TensorBytes {
    private TensorBytes() {
    }

    /**
     * Reads {@code shape}'s elements from the buffer's position (the caller has checked that
     * the buffer holds exactly that many bytes).
     */
    public static Tensor decode(ElementType type, int[] shape, ByteBuffer bytes) {
        int count = (int) Tensor.elementCount(shape);
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        // if rather than a switch on the enum, which would cost the runtime jar a class (its size is budgeted).
        if (type == ElementType.FLOAT32) {
            float[] v = new float[count];
            le.asFloatBuffer().get(v);
            return Tensor.ofFloats(shape, v);
        }
        if (type == ElementType.INT32) {
            int[] v = new int[count];
            le.asIntBuffer().get(v);
            return Tensor.ofInts(shape, v);
        }
        long[] v = new long[count];
        le.asLongBuffer().get(v);
        return Tensor.ofLongs(shape, v);
    }

    /** Writes the elements into {@code out} at its position, which advances past them. */
    public static void encode(Tensor t, ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (t.type() == ElementType.FLOAT32) {
            le.asFloatBuffer().put(t.floats());
        } else if (t.type() == ElementType.INT32) {
            le.asIntBuffer().put(t.ints());
        } else {
            le.asLongBuffer().put(t.longs());
        }
        ((java.nio.Buffer) out).position(out.position() + t.size() * t.type().bytes());
    }

    /** The elements as a new little-endian byte array. */
    public static byte[] encode(Tensor t) {
        ByteBuffer out = ByteBuffer.allocate(t.size() * t.type().bytes());
        encode(t, out);
        return out.array();
    }
}
