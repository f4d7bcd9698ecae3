package io.sequin.kernel;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * f32 in panels: element (r, k) at {@link #start()} {@code + ((r / panel) * cols + k) * panel + r % panel}.
 */
public final class F32Panels extends PanelMatrix {
    private final float[] data;

    /** An empty layout for {@code rows} rows, filled by {@link #place}. */
    F32Panels(int rows, int cols, int panel) {
        super(rows, cols, panel, WeightType.F32, 0, panels(rows, panel));
        data = new float[Math.multiplyExact(Math.multiplyExact(panels(), panel), cols)];
    }

    private F32Panels(F32Panels whole, int firstPanel, int rows) {
        super(rows, whole.cols, whole.panel, WeightType.F32, firstPanel, whole.arrayPanels);
        data = whole.data;
    }

    @Override
    void place(WeightMatrix part, int first) {
        // Written for the interpreter, which lays out a fresh JVM's first model: locals only, and
        // one addition per index.
        float[] src = ((F32Matrix) part).values();
        float[] dst = data;
        int n = cols;
        int step = panel;
        for (int i = 0, s = 0; i < part.rows(); i++) {
            for (int k = 0, d = index(first + i, 0); k < n; k++, s++, d += step) {
                dst[d] = src[s];
            }
        }
    }

    /** The elements in this layout (a slice's whole's); kernels only read them. */
    public float[] data() {
        return data;
    }

    /** Where this matrix's panel 0 starts in {@link #data}. */
    public int start() {
        return firstPanel * cols * panel;
    }

    private int index(int r, int k) {
        return start() + ((r / panel) * cols + k) * panel + r % panel;
    }

    @Override
    public float element(int r, int k) {
        return data[index(r, k)];
    }

    @Override
    public F32Panels slice(int from, int count) {
        return new F32Panels(this, slicePanel(from, count, 1), count);
    }

    @Override
    public WeightMatrix read(int from, int count) {
        checkRows(from, count);
        float[] v = new float[Math.multiplyExact(count, cols)];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < cols; k++) {
                v[i * cols + k] = data[index(from + i, k)];
            }
        }
        return WeightMatrix.ofFloats(count, cols, v);
    }

    @Override
    public long heapBytes() {
        return firstPanel == 0 && arrayPanels == panels() ? 4L * data.length : 0;
    }
}
