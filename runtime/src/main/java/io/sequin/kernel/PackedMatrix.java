package io.sequin.kernel;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.Int8Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * A weight matrix laid out for one kernel set by {@link Kernels#pack}, still in its stored type.
 * Immutable; shared by sessions. One class per layout:
 * <ul>
 * <li>{@link RowMajorMatrix} ({@code panel == 1}): the stored {@link WeightMatrix} itself,
 *     whose {@code rowDot} is the scalar kernels' product;
 * <li>{@link F32Panels}, {@link Int8Panels}, {@link HalfPanels} ({@link PanelMatrix}): the rows
 *     grouped in panels of {@code panel} rows (zero rows pad the last one), a panel's column k
 *     {@code panel} consecutive elements, so one vector load reads it. Each class says where
 *     element (r, k) lies, and its {@code element} is the specification the vector kernels
 *     follow.
 * </ul>
 */
public abstract class PackedMatrix {
    /** Logical rows and columns. */
    public final int rows;
    public final int cols;
    /** Rows per panel: 1 for row-major. */
    public final int panel;
    /** The stored element type. */
    public final WeightType type;

    PackedMatrix(int rows, int cols, int panel, WeightType type) {
        this.rows = rows;
        this.cols = cols;
        this.panel = panel;
        this.type = type;
    }

    /** Bytes of element data and scales this layout holds. */
    public abstract long heapBytes();

    /**
     * Lays out rows {@code [from, from + rows)} of {@code m} in panels of {@code panel} rows. The
     * row-major layout of a whole matrix is the matrix itself, not a copy.
     */
    public static PackedMatrix of(WeightMatrix m, int from, int rows, int panel) {
        if (panel < 1) {
            throw new IllegalArgumentException("panel " + panel + " < 1");
        }
        WeightMatrix part = m.rows(from, rows);
        if (panel == 1) {
            return new RowMajorMatrix(part);
        }
        switch (part.type()) {
            case F32:
                return new F32Panels((F32Matrix) part, panel);
            case INT8:
                return new Int8Panels((Int8Matrix) part, panel);
            default:
                return new HalfPanels(part, panel);
        }
    }

    /** Panels needed for {@code rows} rows, the last one padded. */
    static int panels(int rows, int panel) {
        return (rows + panel - 1) / panel;
    }
}
