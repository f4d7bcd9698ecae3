package io.sequin.kernel;

import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;

/**
 * A weight matrix laid out for one kernel set by {@link Kernels#pack}, still in its stored type.
 * Immutable; shared by sessions. One class per layout:
 * <ul>
 * <li>{@link RowMajorMatrix} ({@code panel == 1}): a {@link WeightMatrix}, whose {@code rowDot}
 *     is the scalar kernels' product;
 * <li>{@link F32Panels}, {@link Int8Stacks}, {@link Int8Columns}, {@link HalfPanels} ({@link PanelMatrix}): the rows
 *     grouped in panels of {@code panel} rows (zero rows pad the last one), a panel's column k
 *     {@code panel} consecutive elements, so one vector load reads it. Each class says where
 *     element (r, k) lies, and its {@code element} is the specification the vector kernels
 *     follow.
 * </ul>
 * A layout is also a {@link MatrixSource}: once a model's matrix is laid out, it is kept in that
 * layout only, and another kernel set lays out its own from it. {@link #slice} gives some of its
 * rows as a view, for a step split across threads.
 */
public abstract class PackedMatrix implements MatrixSource {
    /**
     * Elements read from a source at once while laying a matrix out: a few rows, so that the
     * source and the layout are never both whole on the heap.
     */
    private static final int CHUNK_ELEMENTS = 1 << 18;
    /**
     * {@code -Dsequin.int8Layout=stacks}: int8 in {@link Int8Stacks} with 512-bit vectors too, where
     * {@link Int8Columns} is the default, so the two can be measured against each other on an
     * AVX-512 CPU (docs/PERFORMANCE.md). A measuring switch, not a setting: any other value keeps
     * the default, and the outputs agree either way within the kernels' documented error.
     */
    private static final boolean INT8_STACKS_AT_ANY_WIDTH = "stacks".equals(System.getProperty("sequin.int8Layout"));

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

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final WeightType type() {
        return type;
    }

    /** Bytes of element data and scales this layout holds; 0 for a slice, which shares its whole's. */
    @Override
    public abstract long heapBytes();

    /**
     * Rows {@code [from, from + count)} as a view of this layout, sharing its data: the rows a
     * thread of a split step multiplies. {@code from} must be a multiple of the kernels'
     * {@link Kernels#rowGrain}, and the slice must end at one or where this matrix ends.
     */
    public abstract PackedMatrix slice(int from, int count);

    /**
     * The layout kernels read: this matrix, except one that a JVM's default Panama kernels hand
     * out row-major while they start (their first steps need not wait for the panels, which a
     * thread lays out meanwhile; docs/PERFORMANCE.md, Start-up): its panels, laid out now if they
     * are not yet. Kernels that read panels call it first.
     */
    public final PackedMatrix layout() {
        // Not overridden: a type check that C2 folds, where a virtual call would be megamorphic.
        return this instanceof StagedMatrix ? ((StagedMatrix) this).panelsNow() : this;
    }

    /**
     * Lays out rows {@code [from, from + rows)} of {@code m} in panels of {@code panel} rows,
     * reading a few rows of it at a time. The row-major layout of a whole heap matrix is the
     * matrix itself, not a copy.
     */
    public static PackedMatrix of(MatrixSource m, int from, int rows, int panel) {
        if (panel < 1) {
            throw new IllegalArgumentException("panel " + panel + " < 1");
        }
        MatrixSource part = m.view(from, rows);
        if (panel == 1) {
            return new RowMajorMatrix(part.read(0, rows));
        }
        // if rather than a switch on the enum, which would cost the runtime jar a class.
        WeightType type = part.type();
        PanelMatrix panels;
        if (type == WeightType.F32) {
            panels = new F32Panels(rows, part.cols(), panel);
        } else if (type == WeightType.INT8) {
            panels = panel >= Int8Columns.MIN_PANEL && !INT8_STACKS_AT_ANY_WIDTH ? new Int8Columns(rows, part.cols(), panel)
                    : new Int8Stacks(rows, part.cols(), panel);
        } else {
            panels = new HalfPanels(type, rows, part.cols(), panel);
        }
        int chunk = Math.max(1, CHUNK_ELEMENTS / Math.max(1, part.cols()));
        for (int r = 0; r < rows; r += chunk) {
            panels.place(part.read(r, Math.min(chunk, rows - r)), r);
        }
        return panels;
    }

    /** Panels needed for {@code rows} rows, the last one padded. */
    static int panels(int rows, int panel) {
        return (rows + panel - 1) / panel;
    }

    /** Throws unless rows {@code [from, from + count)} lie within this matrix. */
    final void checkRows(int from, int count) {
        if (from < 0 || count < 0 || from > rows - count) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + ((long) from + count) + ") of " + rows);
        }
    }
}
