package io.sequin.kernel;

/**
 * int8 in panels, four columns to an int: columns 4q to 4q+3 of row r share the int at
 * {@link #start()} {@code + ((r / panel) * quadsPerRow() + q) * panel + r % panel}, column 4q+j in
 * byte j (bits 8j to 8j+7), so one int load gives a panel's four columns. Columns past the last
 * are 0.
 *
 * <p>Why four to an int rather than a byte load per column: a column then needs no byte-to-int
 * widening, only a shift and a mask that leave byte j in the top byte (w·2^24, exactly), and one
 * int-to-float conversion. With 256-bit vectors (an AVX2 Zen 3) an int8 step took 0.61 to 0.93
 * of its time with a sign-extending load of 8 bytes per column ({@code bench/results/int8.md}),
 * and it needs no byte vector, so it serves 128-bit vectors too; with 512-bit ones the byte load
 * measured the faster on an Intel Xeon ({@link Int8Columns}).
 */
public final class Int8Panels extends Int8Layout {
    private final int[] quads;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    Int8Panels(int rows, int cols, int panel) {
        super(rows, cols, panel);
        quads = new int[Math.multiplyExact(Math.multiplyExact(panels(), panel), quads(cols))];
    }

    private Int8Panels(Int8Panels whole, int firstPanel, int rows) {
        super(whole, firstPanel, rows);
        quads = whole.quads;
    }

    private static int quads(int cols) {
        return (cols + 3) / 4;
    }

    @Override
    void set(int r, int k, byte v) {
        quads[index(r, k)] |= (v & 0xFF) << 8 * (k & 3);
    }

    /** The elements, four columns to an int (a slice's whole's). */
    public int[] quads() {
        return quads;
    }

    /** Ints per row of a panel: {@code (cols + 3) / 4}. */
    public int quadsPerRow() {
        return quads(cols);
    }

    /** Where this matrix's panel 0 starts in {@link #quads}. */
    public int start() {
        return firstPanel * quads(cols) * panel;
    }

    private int index(int r, int k) {
        return start() + ((r / panel) * quads(cols) + k / 4) * panel + r % panel;
    }

    @Override
    byte value(int r, int k) {
        return (byte) (quads[index(r, k)] >> 8 * (k & 3));
    }

    @Override
    public Int8Panels slice(int from, int count) {
        return new Int8Panels(this, slicePanel(from, count, 1), count);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? 4L * quads.length + scaleBytes() : 0;
    }
}
