package io.sequin.kernel;

import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightType;
import java.util.Arrays;

/**
 * int8 in panels, which go in groups of {@link #GROUP}: a group stores its panels' column k side
 * by side, so a step over the columns reads one sequential stream rather than one per panel.
 * Panel p's column k is at {@link #offset offset(p)} {@code + k *} {@link #columnStride
 * columnStride(p)}. One scale per row, padded with zeros to whole panels.
 */
public final class Int8Panels extends PanelMatrix {
    /**
     * Panels per group. Four panels of 16 rows make one 64-byte cache line per column: with the
     * panels apart, the four streams an int8 step reads ran at two speeds from one run to the
     * next (L2-resident LSTM 128x256: 18 or 31 µs), by where the pages happened to lie.
     */
    public static final int GROUP = 4;
    private final byte[] data;
    private final float[] scales;

    Int8Panels(Int8Matrix m, int panel) {
        super(m.rows(), m.cols(), panel, WeightType.INT8);
        byte[] src = m.values();
        int padded = Math.multiplyExact(panels(), panel);
        data = new byte[Math.multiplyExact(padded, cols)];
        scales = Arrays.copyOf(m.scales(), padded);
        for (int r = 0; r < rows; r++) {
            int base = offset(r / panel) + r % panel;
            int stride = columnStride(r / panel);
            for (int k = 0; k < cols; k++) {
                data[base + k * stride] = src[r * cols + k];
            }
        }
    }

    /** The int8 elements in this layout. */
    public byte[] data() {
        return data;
    }

    /** Each row's scale, padded to whole panels. */
    public float[] scales() {
        return scales;
    }

    /** Where panel p's column 0 starts in {@link #data}. */
    public int offset(int p) {
        int group = p / GROUP;
        return (group * GROUP * cols + p % GROUP) * panel;
    }

    /** The distance from panel p's column k to its column k + 1. */
    public int columnStride(int p) {
        int group = p / GROUP;
        return Math.min(GROUP, panels() - group * GROUP) * panel;
    }

    @Override
    public float element(int r, int k) {
        int p = r / panel;
        return data[offset(p) + k * columnStride(p) + r % panel];
    }

    @Override
    public float scale(int r) {
        return scales[r];
    }

    @Override
    public long heapBytes() {
        return data.length + 4L * scales.length;
    }
}
