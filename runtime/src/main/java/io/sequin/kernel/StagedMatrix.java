package io.sequin.kernel;

import io.sequin.tensor.F32Matrix;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.List;

/**
 * An f32 matrix that a JVM's default Panama kernels ({@link WarmingKernels}) hand out row-major,
 * as read in bulk out of the model file, and lay out in panels later, on the warm-up thread.
 * Laying out is a transposition that a fresh JVM's interpreter runs element by element: 18-52 ms
 * of the demo model's first session on an AVX2 Zen 3 (docs/PERFORMANCE.md, Start-up), which the
 * first steps need not wait for. {@link PanelKernels#f32RowMajor} sums the rows in the same
 * chains as over the panels, so the numbers stay the same bit for bit when the panels arrive.
 *
 * <p>A slice (the rows of one thread of a split step) is a view that gets its slice of the panels
 * when the whole does. Once laid out, the row-major copy is dropped: the weights are held once.
 */
final class StagedMatrix extends PackedMatrix {
    private final StagedMatrix whole;
    /** This matrix's first row in the whole's. */
    private final int first;
    /** The whole's rows, row-major, until they are laid out; then null. Read through the whole. */
    private volatile F32Matrix rowMajor;
    /** This matrix's rows in panels, once laid out; written before the whole's rowMajor is dropped. */
    private volatile PackedMatrix panels;
    /** The whole's slices made while it is row-major, which get theirs of the panels. Guarded by the whole. */
    private final List<StagedMatrix> views;
    /** What lays the whole out: the plain-Java lanes, whose panels are the vector code's. */
    private final Kernels packer;

    /** The whole of {@code rows}, which {@code packer} will lay out. */
    StagedMatrix(F32Matrix rows, Kernels packer) {
        super(rows.rows(), rows.cols(), packer.vectorLanes(), WeightType.F32);
        this.whole = this;
        this.first = 0;
        this.rowMajor = rows;
        this.views = new ArrayList<>();
        this.packer = packer;
    }

    private StagedMatrix(StagedMatrix whole, int first, int rows) {
        super(rows, whole.cols, whole.panel, WeightType.F32);
        this.whole = whole;
        this.first = first;
        this.views = null;
        this.packer = null;
    }

    /**
     * The panels, laid out now if the warm-up thread has not yet: for kernels other than
     * {@link WarmingKernels} (the vector code's, which share the layout), which read panels only.
     */
    PackedMatrix panelsNow() {
        PackedMatrix p = panels;
        if (p == null) {
            whole.layOut();
            p = panels;
        }
        return p;
    }

    /** The panels of these rows; null while they are row-major only. */
    PackedMatrix panels() {
        return panels;
    }

    /**
     * The whole's elements row-major, this matrix's rows from {@link #firstElement}; null once
     * laid out, and then {@link #panels} is not.
     */
    float[] rowMajor() {
        F32Matrix m = whole.rowMajor;
        return m == null ? null : m.values();
    }

    /** Where this matrix's row 0 starts in {@link #rowMajor}. */
    int firstElement() {
        return first * cols;
    }

    /** Lays the whole out (its slices too) and drops the row-major copy, unless done already. On the whole only. */
    synchronized void layOut() {
        F32Matrix m = rowMajor;
        if (m == null) {
            return;
        }
        PackedMatrix p = packer.pack(m, 0, rows);
        for (StagedMatrix v : views) {
            v.panels = p.slice(v.first, v.rows);
        }
        views.clear();
        panels = p;
        rowMajor = null;
    }

    @Override
    public PackedMatrix slice(int from, int count) {
        checkRows(from, count);
        synchronized (whole) {
            PackedMatrix p = whole.panels;
            if (p != null) {
                return p.slice(first + from, count);
            }
            StagedMatrix v = new StagedMatrix(whole, first + from, count);
            whole.views.add(v);
            return v;
        }
    }

    @Override
    public WeightMatrix read(int from, int count) {
        checkRows(from, count);
        PackedMatrix p = panels;
        if (p == null) {
            F32Matrix m = whole.rowMajor;
            if (m != null) {
                return m.rows(first + from, count);
            }
            p = panels;
        }
        return p.read(from, count);
    }

    /** The row-major copy's bytes until laid out, then the panels'; 0 for a slice, which shares its whole's. */
    @Override
    public long heapBytes() {
        if (whole != this) {
            return 0;
        }
        PackedMatrix p = panels;
        return p != null ? p.heapBytes() : 4L * rows * cols;
    }
}
