package io.sequin.kernel;

import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * int8 in panels of 16 rows or more, a panel's column k one byte load: what the Panama kernels read
 * with 512-bit vectors, where a sign-extending byte load and a conversion widen a column in two
 * instructions (on an AVX-512 Zen 5 an int8 step took 0.95 to 1.31 times bf16's time with this
 * layout; {@link Int8Panels}, four columns to an int, serves narrower vectors). Panels go in
 * groups of {@link #GROUP}: a group stores its panels' column k side by side, so a step over the
 * columns reads one sequential stream rather than one per panel.
 * Panel p's column k is at {@link #offset offset(p)} {@code + k *} {@link #columnStride
 * columnStride(p)}. One scale per row, padded with zeros to whole panels; row r's at
 * {@link #scaleStart()} {@code + r}. A slice starts on a group.
 */
public final class Int8Columns extends PanelMatrix {
    /** The narrowest panel laid out this way: a vector of 16 floats, 512 bits. */
    public static final int MIN_PANEL = 16;
    /**
     * Panels per group. Four panels of 16 rows make one 64-byte cache line per column: with the
     * panels apart, the four streams an int8 step reads ran at two speeds from one run to the
     * next (L2-resident LSTM 128x256: 18 or 31 µs), by where the pages happened to lie.
     */
    public static final int GROUP = 4;
    private final byte[] data;
    private final float[] scales;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    Int8Columns(int rows, int cols, int panel) {
        super(rows, cols, panel, WeightType.INT8, 0, panels(rows, panel));
        int padded = Math.multiplyExact(panels(), panel);
        data = new byte[Math.multiplyExact(padded, cols)];
        scales = new float[padded];
    }

    private Int8Columns(Int8Columns whole, int firstPanel, int rows) {
        super(rows, whole.cols, whole.panel, WeightType.INT8, firstPanel, whole.arrayPanels);
        data = whole.data;
        scales = whole.scales;
    }

    @Override
    void place(WeightMatrix part, int first) {
        Int8Matrix m = (Int8Matrix) part;
        byte[] src = m.values();
        for (int i = 0; i < m.rows(); i++) {
            int r = first + i;
            scales[r] = m.scales()[i];
            int base = offset(r / panel) + r % panel;
            int stride = columnStride(r / panel);
            for (int k = 0; k < cols; k++) {
                data[base + k * stride] = src[i * cols + k];
            }
        }
    }

    /** The int8 elements in this layout (a slice's whole's). */
    public byte[] data() {
        return data;
    }

    /** Each row's scale, padded to whole panels (a slice's whole's). */
    public float[] scales() {
        return scales;
    }

    /** Where this matrix's row 0's scale is in {@link #scales}. */
    public int scaleStart() {
        return firstPanel * panel;
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

    private byte value(int r, int k) {
        int p = r / panel;
        return data[offset(p) + k * columnStride(p) + r % panel];
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
    public Int8Columns slice(int from, int count) {
        return new Int8Columns(this, slicePanel(from, count, GROUP), count);
    }

    @Override
    public WeightMatrix read(int from, int count) {
        return readInt8(from, count);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? data.length + 4L * scales.length : 0;
    }
}
