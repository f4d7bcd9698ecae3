package io.sequin.kernel;

import io.sequin.tensor.MatrixSource;
import io.sequin.tensor.WeightType;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weight matrix, shared by its sessions and held once. It is read from its source (the
 * model file, or a matrix given on the heap) until a kernel set first lays it out; from then on
 * that layout is its only copy, and another kernel set lays out its own from it (so a model run
 * with two kernel sets holds two layouts). Thread-safe: sessions are made from several threads.
 */
public final class SharedMatrix {
    private final int rows;
    private final int cols;
    private final WeightType type;
    /** Where a new layout is read from: the source, then the first layout. Guarded by this. */
    private MatrixSource source;
    /** The layouts made so far, with the kernel set names they were made for. Guarded by this. */
    private final List<String> names = new ArrayList<>(2);
    private final List<PackedMatrix> layouts = new ArrayList<>(2);

    public SharedMatrix(MatrixSource source) {
        this.rows = source.rows();
        this.cols = source.cols();
        this.type = source.type();
        this.source = source;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public WeightType type() {
        return type;
    }

    /** The matrix laid out for {@code kernels}: made on first use, then the same for every session. */
    public synchronized PackedMatrix layoutFor(Kernels kernels) {
        int i = names.indexOf(kernels.name());
        if (i >= 0) {
            return layouts.get(i);
        }
        PackedMatrix layout = kernels.pack(source, 0, rows);
        names.add(kernels.name());
        layouts.add(layout);
        source = layouts.get(0);
        return layout;
    }

    /** Bytes of heap held: every layout made so far, or the source's until there is one. */
    public synchronized long heapBytes() {
        if (layouts.isEmpty()) {
            return source.heapBytes();
        }
        long n = 0;
        for (PackedMatrix m : layouts) {
            n += m.heapBytes();
        }
        return n;
    }
}
