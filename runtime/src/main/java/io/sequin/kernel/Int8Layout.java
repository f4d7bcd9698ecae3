package io.sequin.kernel;

import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * What the two int8 panel layouts share ({@link Int8Stacks}, {@link Int8Columns}): one scale per
 * row, padded with zeros to whole panels, row r's at {@link #scaleStart()} {@code + r}; rows
 * placed and read back one element at a time through the subclass's {@link #set} and
 * {@link #value}.
 */
public abstract class Int8Layout extends PanelMatrix {
    private final float[] scales;

    /** An empty layout for {@code rows} rows. */
    Int8Layout(int rows, int cols, int panel) {
        super(rows, cols, panel, WeightType.INT8, 0, panels(rows, panel));
        scales = new float[Math.multiplyExact(panels(), panel)];
    }

    /** A view of {@code whole}'s rows from its panel {@code firstPanel}. */
    Int8Layout(Int8Layout whole, int firstPanel, int rows) {
        super(rows, whole.cols, whole.panel, WeightType.INT8, firstPanel, whole.arrayPanels);
        scales = whole.scales;
    }

    /** Element (r, k) of this layout. */
    abstract byte value(int r, int k);

    /** Stores element (r, k) of a fresh layout. */
    abstract void set(int r, int k, byte v);

    @Override
    final void place(WeightMatrix part, int first) {
        Int8Matrix m = (Int8Matrix) part;
        byte[] src = m.values();
        for (int i = 0; i < m.rows(); i++) {
            scales[first + i] = m.scales()[i];
            for (int k = 0; k < cols; k++) {
                set(first + i, k, src[i * cols + k]);
            }
        }
    }

    /** Each row's scale, padded to whole panels (a slice's whole's). */
    public final float[] scales() {
        return scales;
    }

    /** Where this matrix's row 0's scale is in {@link #scales}. */
    public final int scaleStart() {
        return firstPanel * panel;
    }

    @Override
    public final float element(int r, int k) {
        return value(r, k);
    }

    @Override
    public final float scale(int r) {
        return scales[scaleStart() + r];
    }

    @Override
    public final WeightMatrix read(int from, int count) {
        checkRows(from, count);
        byte[] v = new byte[Math.multiplyExact(count, cols)];
        float[] s = new float[count];
        for (int i = 0; i < count; i++) {
            s[i] = scale(from + i);
            for (int k = 0; k < cols; k++) {
                v[i * cols + k] = value(from + i, k);
            }
        }
        return WeightMatrix.ofInt8(count, cols, v, s);
    }

    /** Bytes of the scales, for {@link #heapBytes}. */
    final long scaleBytes() {
        return 4L * scales.length;
    }
}
