package io.sequin.kernel;

/**
 * int8 in panels of 16 rows or more, a panel's column k one byte load: what the Panama kernels read
 * with 512-bit vectors, where a sign-extending byte load and a conversion widen a column in two
 * instructions (on an AVX-512 Zen 5 an int8 step took 0.95 to 1.31 times bf16's time with this
 * layout; {@link Int8Stacks} serves narrower vectors). Panels go in
 * groups of {@link #GROUP}: a group stores its panels' column k side by side, so a step over the
 * columns reads one sequential stream rather than one per panel. Panel p's column k is at
 * {@link #offset offset(p)} {@code + k *} {@link #columnStride columnStride(p)}. A slice starts
 * on a group.
 */
public final class Int8Columns extends Int8Layout {
    /** The narrowest panel laid out this way: a vector of 16 floats, 512 bits. */
    public static final int MIN_PANEL = 16;
    /**
     * Panels per group. Four panels of 16 rows make one 64-byte cache line per column: with the
     * panels apart, the four streams an int8 step reads ran at two speeds from one run to the
     * next (L2-resident LSTM 128x256: 18 or 31 µs), by where the pages happened to lie.
     */
    public static final int GROUP = 4;
    private final byte[] data;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    Int8Columns(int rows, int cols, int panel) {
        super(rows, cols, panel);
        data = new byte[Math.multiplyExact(Math.multiplyExact(panels(), panel), cols)];
    }

    private Int8Columns(Int8Columns whole, int firstPanel, int rows) {
        super(whole, firstPanel, rows);
        data = whole.data;
    }

    @Override
    void set(int r, int k, byte v) {
        data[offset(r / panel) + k * columnStride(r / panel) + r % panel] = v;
    }

    /** The int8 elements in this layout (a slice's whole's). */
    public byte[] data() {
        return data;
    }

    /** Where panel p's column 0 starts in {@link #data}. */
    public int offset(int p) {
        int q = firstPanel + p;
        int group = q / GROUP;
        return (group * GROUP * cols + q % GROUP) * panel;
    }

    /** The distance from panel p's column k to its column k + 1. */
    public int columnStride(int p) {
        int group = (firstPanel + p) / GROUP;
        return Math.min(GROUP, arrayPanels - group * GROUP) * panel;
    }

    @Override
    byte value(int r, int k) {
        int p = r / panel;
        return data[offset(p) + k * columnStride(p) + r % panel];
    }

    @Override
    public Int8Columns slice(int from, int count) {
        return new Int8Columns(this, slicePanel(from, count, GROUP), count);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? data.length + scaleBytes() : 0;
    }
}
