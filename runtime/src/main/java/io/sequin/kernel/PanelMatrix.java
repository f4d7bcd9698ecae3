package io.sequin.kernel;

import io.sequin.tensor.WeightType;

/** A matrix laid out in panels of {@code panel} rows for vector kernels; see the subclasses for where an element lies. */
public abstract class PanelMatrix extends PackedMatrix {
    PanelMatrix(int rows, int cols, int panel, WeightType type) {
        super(rows, cols, panel, type);
    }

    /** Whole and padded panels. */
    public final int panels() {
        return panels(rows, panel);
    }

    /** Element (r, k) widened to float; an int8 element without its row's scale. */
    public abstract float element(int r, int k);

    /** Row r's scale: an int8 row's, 1 for the other types. */
    public float scale(int r) {
        return 1f;
    }
}
