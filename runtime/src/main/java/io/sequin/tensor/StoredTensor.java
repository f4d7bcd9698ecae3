package io.sequin.tensor;

/** How a constant tensor is stored in a model file: for {@code inspect} and reports. */
public final class StoredTensor {
    private final String name;
    private final String storageType;
    private final int[] shape;
    private final long bytes;

    public StoredTensor(String name, String storageType, int[] shape, long bytes) {
        this.name = name;
        this.storageType = storageType;
        this.shape = shape.clone();
        this.bytes = bytes;
    }

    public String name() {
        return name;
    }

    /** The stored element type: f32, f16, bf16, int8, i32 or i64. */
    public String storageType() {
        return storageType;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Bytes of element data in the file, and of the scales of an int8 tensor. */
    public long bytes() {
        return bytes;
    }
}
