package io.sequin.format;

/**
 * Upper bounds that a model file must respect. They are checked before anything is allocated,
 * so that a hostile file cannot ask for unbounded memory or work.
 */
public final class Limits {
    /** Largest model file accepted, in bytes (a Java array holds at most 2^31 - 1). */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8L;
    /** Most dimensions in one shape. */
    public static final int MAX_RANK = 8;
    /** Most elements in one constant tensor (1 Gi elements, 4 GiB of f32 would not fit anyway). */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 30;
    /** Largest hidden or input size of a recurrent layer. */
    public static final int MAX_LAYER_WIDTH = 1 << 16;
    /** Most layers, inputs, outputs or constants in one model. */
    public static final int MAX_COUNT = 1 << 16;
    /** Longest name or string field, in bytes. */
    public static final int MAX_STRING_BYTES = 1 << 16;

    private Limits() {
    }
}
