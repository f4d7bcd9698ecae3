package io.sequin.kernel;

import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * int8 in panels, four columns to an int: columns 4q to 4q+3 of row r share the int at
 * {@link #start()} {@code + ((r / panel) * quads() + q) * panel + r % panel}, column 4q+j in
 * byte j (bits 8j to 8j+7), so one int load gives a panel's four columns. Columns past the last
 * are 0. One scale per row, padded with zeros to whole panels; row r's at {@link #scaleStart()}
 * {@code + r}.
 *
 * <p>Why four to an int rather than a byte load per column: a column then needs no byte-to-int
 * widening, only a shift and a mask that leave byte j in the top byte (w·2^24, exactly), and one
 * int-to-float conversion. With 256-bit vectors (an AVX2 Zen 3) an int8 step took 0.61 to 0.93
 * of its time with a sign-extending load of 8 bytes per column ({@code bench/results/int8.md}), and
 * it needs no byte vector, so it serves 128-bit vectors too; with 512-bit ones the byte load measured the faster on an Intel
 * Xeon ({@link Int8Columns}).
 */
public final class Int8Panels extends PanelMatrix {
    private final int[] quads;
    private final float[] scales;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    Int8Panels(int rows, int cols, int panel) {
        super(rows, cols, panel, WeightType.INT8, 0, panels(rows, panel));
        int padded = Math.multiplyExact(panels(), panel);
        quads = new int[Math.multiplyExact(padded, quads(cols))];
        scales = new float[padded];
    }

    private Int8Panels(Int8Panels whole, int firstPanel, int rows) {
        super(rows, whole.cols, whole.panel, WeightType.INT8, firstPanel, whole.arrayPanels);
        quads = whole.quads;
        scales = whole.scales;
    }

    private static int quads(int cols) {
        return (cols + 3) / 4;
    }

    @Override
    void place(WeightMatrix part, int first) {
        Int8Matrix m = (Int8Matrix) part;
        byte[] src = m.values();
        for (int i = 0; i < m.rows(); i++) {
            int r = first + i;
            scales[r] = m.scales()[i];
            for (int k = 0; k < cols; k++) {
                quads[index(r, k)] |= (src[i * cols + k] & 0xFF) << 8 * (k & 3);
            }
        }
    }

    /** The elements, four columns to an int (a slice's whole's). */
    public int[] quads() {
        return quads;
    }

    /** Ints per row of a panel: {@code (cols + 3) / 4}. */
    public int quadsPerRow() {
        return quads(cols);
    }

    /** Each row's scale, padded to whole panels (a slice's whole's). */
    public float[] scales() {
        return scales;
    }

    /** Where this matrix's panel 0 starts in {@link #quads}. */
    public int start() {
        return firstPanel * quads(cols) * panel;
    }

    /** Where this matrix's row 0's scale is in {@link #scales}. */
    public int scaleStart() {
        return firstPanel * panel;
    }

    private int index(int r, int k) {
        return start() + ((r / panel) * quads(cols) + k / 4) * panel + r % panel;
    }

    private byte value(int r, int k) {
        return (byte) (quads[index(r, k)] >> 8 * (k & 3));
    }

    @Override
    public float element(int r, int k) {
        return value(r, k);
    }

    @Override
    public float scale(int r) {
        return scales[scaleStart() + r];
    }

    @Override
    public Int8Panels slice(int from, int count) {
        return new Int8Panels(this, slicePanel(from, count, 1), count);
    }

    @Override
    public WeightMatrix read(int from, int count) {
        return readInt8(from, count);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? 4L * quads.length + 4L * scales.length : 0;
    }
}
