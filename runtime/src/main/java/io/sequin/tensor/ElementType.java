package io.sequin.tensor;

import java.util.Locale;

/** The element type of a tensor, as the model file and the {@code .npy} files name it. */
public enum ElementType {
    FLOAT32(4),
    INT32(4),
    INT64(8);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Lower-case name as used in messages and in {@code inspect}: float32, int32, int64. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
