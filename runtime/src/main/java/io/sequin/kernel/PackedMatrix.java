package io.sequin.kernel;

/**
 * A weight matrix laid out for one kernel set by {@link Kernels#pack}: row-major for the scalar
 * kernels, panels of vector-width rows for the Panama kernels. Immutable; shared by sessions.
 */
public final class PackedMatrix {
    /** Logical rows and columns. */
    public final int rows;
    public final int cols;
    /** Rows per panel: 1 for row-major. Element (r, k) is at {@code ((r / panel) * cols + k) * panel + r % panel}. */
    public final int panel;
    /** The elements, in the kernel set's layout (rows padded with zeros to a whole panel). */
    final float[] data;

    /** The elements in this layout, not copied: for kernels only, which never modify them. */
    public float[] elements() {
        return data;
    }

    PackedMatrix(int rows, int cols, int panel, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.panel = panel;
        this.data = data;
    }

    /** Lays out rows {@code [0, rows)} of a row-major matrix starting at {@code off} in panels of {@code panel} rows. */
    public static PackedMatrix of(float[] w, int off, int rows, int cols, int panel) {
        int panels = (rows + panel - 1) / panel;
        float[] data = new float[Math.multiplyExact(Math.multiplyExact(panels, panel), cols)];
        for (int r = 0; r < rows; r++) {
            int base = (r / panel) * cols * panel + r % panel;
            for (int k = 0; k < cols; k++) {
                data[base + k * panel] = w[off + r * cols + k];
            }
        }
        return new PackedMatrix(rows, cols, panel, data);
    }
}
