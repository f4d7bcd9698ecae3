package io.sequin.tensor;

/**
 * How a weight matrix is stored, in the model file and in memory. Kernels widen each element to
 * float as they read it, so a narrower type means fewer bytes read per step.
 */
public enum WeightType {
    /** IEEE binary32. */
    F32("f32", 4),
    /** IEEE binary16. */
    F16("f16", 2),
    /** bfloat16: the upper half of a float. */
    BF16("bf16", 2),
    /** Signed 8-bit integers, symmetric, with one float scale per row: element = q * scale[row]. */
    INT8("int8", 1);

    private final String displayName;
    private final int bytes;

    WeightType(String displayName, int bytes) {
        this.displayName = displayName;
        this.bytes = bytes;
    }

    /** The name the command line and {@code inspect} use: f32, f16, bf16, int8. */
    public String displayName() {
        return displayName;
    }

    /** Bytes per element, scales excluded. */
    public int bytes() {
        return bytes;
    }

    /** The type named {@code name} (as {@link #displayName()}), or null. */
    public static WeightType byName(String name) {
        for (WeightType t : values()) {
            if (t.displayName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
