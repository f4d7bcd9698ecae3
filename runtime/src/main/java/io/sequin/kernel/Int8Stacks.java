package io.sequin.kernel;

/**
 * int8 in stacks of {@link #STACK} panels, one int per stack column and lane: the int at
 * {@link #offset offset(g)} {@code + k * panel + i} holds column k of row {@code i} of each of
 * stack g's four panels, panel j's as {@code w_j·2^(8j)}, summed: {@code v = w0 + w1·2^8 +
 * w2·2^16 + w3·2^24} (mod 2^32). Rows past the last are 0; there are no padded columns.
 *
 * <p>Why: shifting v left by {@code 8(3 - j)} drops the panels above j, and what is left is
 * {@code w_j·2^24 + w_(j-1)·2^16 + ...}, exactly, as a signed int, because every w is in
 * [-127, 127] (so -128, which the format never writes, is refused). A column of a stack is then
 * one int load, three shifts and four int-to-float conversions for 4 × lanes weights, all
 * multiplied by one broadcast of x: a quarter fewer vector operations than a shift, a mask and a
 * conversion per byte, and the first layout with which an int8 step is faster than a bf16 one
 * on an AVX2 Zen 3 ({@code bench/results/int8.md}). Each panel's sum then carries a known part of
 * the panels below it, which both kernel sets take off once per sum, after the last column. Only
 * the unshifted conversion (panel 3) can round, by at most 2^6 of the 2^24 a unit of w is worth.
 */
public final class Int8Stacks extends Int8Layout {
    /** Panels per stack: one per byte of an int. */
    public static final int STACK = 4;
    private final int[] data;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    Int8Stacks(int rows, int cols, int panel) {
        super(rows, cols, panel);
        data = new int[Math.multiplyExact(Math.multiplyExact(stacks(panels()), cols), panel)];
    }

    private Int8Stacks(Int8Stacks whole, int firstPanel, int rows) {
        super(whole, firstPanel, rows);
        data = whole.data;
    }

    /** Stacks that hold {@code panels} panels, the last one perhaps in part. */
    public static int stacks(int panels) {
        return (panels + STACK - 1) / STACK;
    }

    /** The elements, a stack's four panels to an int (a slice's whole's). */
    public int[] data() {
        return data;
    }

    /** Where stack g's column 0 starts in {@link #data}; a stack's columns follow each other, {@code panel} ints apart. */
    public int offset(int g) {
        return (firstPanel / STACK + g) * cols * panel;
    }

    private int index(int r, int k) {
        int p = r / panel;
        return offset(p / STACK) + k * panel + r % panel;
    }

    /** Where row r's element sits in its int: {@code 8 * (panel index in its stack)}. */
    private int shift(int r) {
        return 8 * ((firstPanel + r / panel) % STACK);
    }

    @Override
    void set(int r, int k, byte v) {
        if (v == Byte.MIN_VALUE) {
            throw new IllegalArgumentException("int8 element (" + r + ", " + k + ") is -128; int8 weights are in [-127, 127]");
        }
        data[index(r, k)] += v << shift(r);
    }

    @Override
    byte value(int r, int k) {
        // The panels below add less than 2^23 to w·2^24, so rounding (not flooring) recovers w.
        int top = data[index(r, k)] << (24 - shift(r));
        return (byte) ((top + (1 << 23)) >> 24);
    }

    @Override
    public Int8Stacks slice(int from, int count) {
        return new Int8Stacks(this, slicePanel(from, count, STACK), count);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? 4L * data.length + scaleBytes() : 0;
    }
}
