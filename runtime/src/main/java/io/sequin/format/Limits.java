package io.sequin.format;

/**
 * Upper bounds that a model file (and every file the converter reads) must respect. They are
 * checked before anything is allocated, so that a hostile file cannot ask for unbounded memory or
 * work. Each can be lowered or raised for a whole JVM with a system property, read once:
 * {@code -Dsequin.limits.maxTensorElements=...}, {@code maxRank}, {@code maxLayerWidth},
 * {@code maxCount}, {@code maxStringBytes} (under {@code sequin.limits.}). A value that is not a
 * positive number, or above what Java arrays can hold, is ignored for the default.
 */
public final class Limits {
    /** Largest model file accepted, in bytes (a Java array holds at most 2^31 - 1). */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8L;
    /** Most dimensions in one shape: 8 by default. */
    public static final int MAX_RANK = (int) property("maxRank", 8, 64);
    /** Most elements in one tensor: 2^30 by default (4 GiB of f32, which a Java array cannot hold anyway). */
    public static final long MAX_TENSOR_ELEMENTS = property("maxTensorElements", 1L << 30, Integer.MAX_VALUE - 8L);
    /** Largest hidden or input size of a layer: 2^16 by default. */
    public static final int MAX_LAYER_WIDTH = (int) property("maxLayerWidth", 1 << 16, 1 << 24);
    /** Most layers, inputs, outputs or constants in one model: 2^16 by default. */
    public static final int MAX_COUNT = (int) property("maxCount", 1 << 16, 1 << 24);
    /** Longest name or string field, in bytes: 2^16 by default. */
    public static final int MAX_STRING_BYTES = (int) property("maxStringBytes", 1 << 16, 1 << 24);

    private Limits() {
    }

    private static long property(String name, long fallback, long most) {
        String v = System.getProperty("sequin.limits." + name);
        if (v == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(v.trim());
            return parsed > 0 && parsed <= most ? parsed : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
