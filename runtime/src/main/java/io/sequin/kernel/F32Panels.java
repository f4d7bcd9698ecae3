package io.sequin.kernel;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.WeightType;

/** f32 in panels: element (r, k) at {@code ((r / panel) * cols + k) * panel + r % panel}. */
public final class F32Panels extends PanelMatrix {
    private final float[] data;

    F32Panels(F32Matrix m, int panel) {
        super(m.rows(), m.cols(), panel, WeightType.F32);
        float[] src = m.values();
        data = new float[Math.multiplyExact(Math.multiplyExact(panels(), panel), cols)];
        for (int r = 0; r < rows; r++) {
            int base = (r / panel) * cols * panel + r % panel;
            for (int k = 0; k < cols; k++) {
                data[base + k * panel] = src[r * cols + k];
            }
        }
    }

    /** The elements in this layout; kernels only read them. */
    public float[] data() {
        return data;
    }

    @Override
    public float element(int r, int k) {
        return data[((r / panel) * cols + k) * panel + r % panel];
    }

    @Override
    public long heapBytes() {
        return 4L * data.length;
    }
}
