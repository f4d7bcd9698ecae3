package io.sequin.kernel;

import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * A matrix laid out in panels of {@code panel} rows for vector kernels; see the subclasses for
 * where an element lies. A {@link #slice} is a view of some whole panels of another one: it
 * shares that one's arrays and starts at its panel {@link #firstPanel}.
 */
public abstract class PanelMatrix extends PackedMatrix {
    /** The panel of the arrays this matrix starts at: 0, or where a slice's first row lies in its whole. */
    final int firstPanel;
    /** The panels the arrays hold: this matrix's, or its whole's for a slice. */
    final int arrayPanels;

    PanelMatrix(int rows, int cols, int panel, WeightType type, int firstPanel, int arrayPanels) {
        super(rows, cols, panel, type);
        this.firstPanel = firstPanel;
        this.arrayPanels = arrayPanels;
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

    /** Copies the rows of {@code part}, row-major, into rows {@code [first, first + part.rows())} of this layout. */
    abstract void place(WeightMatrix part, int first);

    /** Checks a slice's rows: it starts on a panel (and {@code grain} panels) and ends on one or with this matrix. */
    final int slicePanel(int from, int count, int grain) {
        checkRows(from, count);
        if (from % (panel * grain) != 0 || (from + count) % panel != 0 && from + count != rows) {
            throw new IllegalArgumentException("a slice of rows [" + from + ", " + (from + count) + ") does not start on "
                    + (grain == 1 ? "a panel" : "a group of " + grain + " panels") + " of " + panel
                    + " rows or end on a panel or with the matrix (" + rows + " rows)");
        }
        return firstPanel + from / panel;
    }
}
