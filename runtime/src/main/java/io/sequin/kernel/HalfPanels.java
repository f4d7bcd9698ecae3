package io.sequin.kernel;

import io.sequin.tensor.Bf16Matrix;
import io.sequin.tensor.F16Matrix;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * f16 or bf16 in panels, two columns to an int: columns 2j and 2j+1 of row r share the int at
 * {@link #start()} {@code + ((r / panel) * ((cols + 1) / 2) + j) * panel + r % panel}, the even
 * one in the low half, so one int load yields both columns with a shift or a mask. An odd last
 * column's partner is 0.
 */
public final class HalfPanels extends PanelMatrix {
    private final int[] pairs;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    HalfPanels(WeightType type, int rows, int cols, int panel) {
        super(rows, cols, panel, type, 0, panels(rows, panel));
        pairs = new int[Math.multiplyExact(Math.multiplyExact(panels(), panel), (cols + 1) / 2)];
    }

    private HalfPanels(HalfPanels whole, int firstPanel, int rows) {
        super(rows, whole.cols, whole.panel, whole.type, firstPanel, whole.arrayPanels);
        pairs = whole.pairs;
    }

    @Override
    void place(WeightMatrix part, int first) {
        short[] src = part instanceof F16Matrix ? ((F16Matrix) part).bits() : ((Bf16Matrix) part).bits();
        for (int i = 0; i < part.rows(); i++) {
            int r = first + i;
            for (int k = 0; k < cols; k++) {
                int bits = src[i * cols + k] & 0xFFFF;
                pairs[index(r, k)] |= (k & 1) == 0 ? bits : bits << 16;
            }
        }
    }

    /** The bit patterns, two columns to an int (a slice's whole's). */
    public int[] pairs() {
        return pairs;
    }

    /** Where this matrix's panel 0 starts in {@link #pairs}. */
    public int start() {
        return firstPanel * ((cols + 1) / 2) * panel;
    }

    private int index(int r, int k) {
        return start() + ((r / panel) * ((cols + 1) / 2) + k / 2) * panel + r % panel;
    }

    private short bits(int r, int k) {
        int pair = pairs[index(r, k)];
        return (short) ((k & 1) == 0 ? pair : pair >>> 16);
    }

    @Override
    public float element(int r, int k) {
        short bits = bits(r, k);
        return type == WeightType.BF16 ? HalfFloats.bf16ToFloat(bits) : HalfFloats.f16ToFloat(bits);
    }

    @Override
    public HalfPanels slice(int from, int count) {
        return new HalfPanels(this, slicePanel(from, count, 1), count);
    }

    @Override
    public WeightMatrix read(int from, int count) {
        checkRows(from, count);
        short[] v = new short[Math.multiplyExact(count, cols)];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < cols; k++) {
                v[i * cols + k] = bits(from + i, k);
            }
        }
        return WeightMatrix.ofHalves(type, count, cols, v);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? 4L * pairs.length : 0;
    }
}
