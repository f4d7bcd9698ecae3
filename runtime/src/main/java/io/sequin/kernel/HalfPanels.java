package io.sequin.kernel;

import io.sequin.tensor.Bf16Matrix;
import io.sequin.tensor.F16Matrix;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * f16 or bf16 in panels, two columns to an int: columns 2j and 2j+1 of row r share the int at
 * {@code ((r / panel) * ((cols + 1) / 2) + j) * panel + r % panel}, the even one in the low
 * half, so one int load yields both columns with a shift or a mask. An odd last column's
 * partner is 0.
 */
public final class HalfPanels extends PanelMatrix {
    private final int[] pairs;

    HalfPanels(WeightMatrix m, int panel) {
        super(m.rows(), m.cols(), panel, m.type());
        short[] src = m instanceof F16Matrix ? ((F16Matrix) m).bits() : ((Bf16Matrix) m).bits();
        int pairCount = (cols + 1) / 2;
        pairs = new int[Math.multiplyExact(Math.multiplyExact(panels(), panel), pairCount)];
        for (int r = 0; r < rows; r++) {
            int base = (r / panel) * pairCount * panel + r % panel;
            for (int k = 0; k < cols; k++) {
                int bits = src[r * cols + k] & 0xFFFF;
                pairs[base + (k / 2) * panel] |= (k & 1) == 0 ? bits : bits << 16;
            }
        }
    }

    /** The bit patterns, two columns to an int. */
    public int[] pairs() {
        return pairs;
    }

    @Override
    public float element(int r, int k) {
        int pair = pairs[((r / panel) * ((cols + 1) / 2) + k / 2) * panel + r % panel];
        short bits = (short) ((k & 1) == 0 ? pair : pair >>> 16);
        return type == WeightType.BF16 ? HalfFloats.bf16ToFloat(bits) : HalfFloats.f16ToFloat(bits);
    }

    @Override
    public long heapBytes() {
        return 4L * pairs.length;
    }
}
