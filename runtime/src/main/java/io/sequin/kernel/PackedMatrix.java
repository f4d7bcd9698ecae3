package io.sequin.kernel;

import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.Arrays;

/**
 * A weight matrix laid out for one kernel set by {@link Kernels#pack}, still in its stored type.
 * Immutable; shared by sessions.
 *
 * <p>With {@code panel == 1} the layout is row-major, element (r, k) at {@code r * cols + k},
 * in {@link #elements()}, {@link #halves()} or {@link #int8()} by type. With wider panels the
 * rows are grouped in panels of {@code panel} rows (zero rows pad the last one) and a panel's
 * column k is {@code panel} consecutive elements, so one vector load reads it:
 * <ul>
 * <li>f32: element (r, k) at {@code ((r / panel) * cols + k) * panel + r % panel};
 * <li>int8: panels go in groups of {@link #INT8_GROUP}, and a group stores its panels' column k
 *     side by side, so a step over the columns reads one sequential stream rather than one per
 *     panel: panel p's column k is at {@link #int8Offset int8Offset(p)} {@code + k *}
 *     {@link #int8ColumnStride int8ColumnStride(p)};
 * <li>f16 and bf16: columns 2j and 2j+1 share one int, the even one in the low half, at
 *     {@code ((r / panel) * ((cols + 1) / 2) + j) * panel + r % panel} in {@link #pairs()}:
 *     one int load then yields both columns with a shift or a mask.
 * </ul>
 * int8 matrices carry one scale per row in {@link #scales()} (padded with zeros to whole panels).
 */
public final class PackedMatrix {
    /** Logical rows and columns. */
    public final int rows;
    public final int cols;
    /**
     * Panels per int8 group. Four panels of 16 rows make one 64-byte cache line per column: with
     * the panels apart, the four streams an int8 step reads ran at two speeds from one run to the
     * next (L2-resident LSTM 128x256: 18 or 31 µs), by where the pages happened to lie.
     */
    public static final int INT8_GROUP = 4;
    /** Rows per panel: 1 for row-major. */
    public final int panel;
    /** The stored element type. */
    public final WeightType type;
    private final float[] floats;
    private final short[] halves;
    private final int[] pairs;
    private final byte[] bytes;
    private final float[] scales;

    private PackedMatrix(int rows, int cols, int panel, WeightType type,
                         float[] floats, short[] halves, int[] pairs, byte[] bytes, float[] scales) {
        this.rows = rows;
        this.cols = cols;
        this.panel = panel;
        this.type = type;
        this.floats = floats;
        this.halves = halves;
        this.pairs = pairs;
        this.bytes = bytes;
        this.scales = scales;
    }

    /** f32 elements in this layout; null for other types. Kernels only read them. */
    public float[] elements() {
        return floats;
    }

    /** f16 or bf16 bit patterns, row-major ({@code panel == 1} only); otherwise null. */
    public short[] halves() {
        return halves;
    }

    /** f16 or bf16 bit patterns two columns to an int ({@code panel > 1} only); otherwise null. */
    public int[] pairs() {
        return pairs;
    }

    /** int8 elements in this layout; null for other types. */
    public byte[] int8() {
        return bytes;
    }

    /** int8 with panels: where panel p's column 0 starts in {@link #int8()}. */
    public int int8Offset(int p) {
        int group = p / INT8_GROUP;
        return (group * INT8_GROUP * cols + p % INT8_GROUP) * panel;
    }

    /** int8 with panels: the distance from panel p's column k to its column k + 1. */
    public int int8ColumnStride(int p) {
        int panels = (rows + panel - 1) / panel;
        int group = p / INT8_GROUP;
        return Math.min(INT8_GROUP, panels - group * INT8_GROUP) * panel;
    }

    /** int8 only: the scale of each row, padded to whole panels; otherwise null. */
    public float[] scales() {
        return scales;
    }

    /** Bytes of element data and scales this layout holds. */
    public long heapBytes() {
        long n = 0;
        n += floats == null ? 0 : 4L * floats.length;
        n += halves == null ? 0 : 2L * halves.length;
        n += pairs == null ? 0 : 4L * pairs.length;
        n += bytes == null ? 0 : bytes.length;
        n += scales == null ? 0 : 4L * scales.length;
        return n;
    }

    /**
     * Lays out rows {@code [from, from + rows)} of {@code m} in panels of {@code panel} rows. The
     * row-major layout of a whole matrix shares its arrays rather than copying them.
     */
    public static PackedMatrix of(WeightMatrix m, int from, int rows, int panel) {
        if (panel < 1) {
            throw new IllegalArgumentException("panel " + panel + " < 1");
        }
        WeightMatrix part = m.rows(from, rows);
        int cols = part.cols();
        WeightType type = part.type();
        if (panel == 1) {
            return new PackedMatrix(rows, cols, 1, type, part.floats(), part.halves(), null, part.int8(), part.scales());
        }
        int panels = (rows + panel - 1) / panel;
        int padded = Math.multiplyExact(panels, panel);
        switch (type) {
            case F32: {
                float[] src = part.floats();
                float[] data = new float[Math.multiplyExact(padded, cols)];
                for (int r = 0; r < rows; r++) {
                    int base = (r / panel) * cols * panel + r % panel;
                    for (int k = 0; k < cols; k++) {
                        data[base + k * panel] = src[r * cols + k];
                    }
                }
                return new PackedMatrix(rows, cols, panel, type, data, null, null, null, null);
            }
            case INT8: {
                byte[] src = part.int8();
                byte[] data = new byte[Math.multiplyExact(padded, cols)];
                PackedMatrix packed = new PackedMatrix(rows, cols, panel, type, null, null, null, data, Arrays.copyOf(part.scales(), padded));
                for (int r = 0; r < rows; r++) {
                    int base = packed.int8Offset(r / panel) + r % panel;
                    int stride = packed.int8ColumnStride(r / panel);
                    for (int k = 0; k < cols; k++) {
                        data[base + k * stride] = src[r * cols + k];
                    }
                }
                return packed;
            }
            default: {
                short[] src = part.halves();
                int pairCount = (cols + 1) / 2;
                int[] data = new int[Math.multiplyExact(padded, pairCount)];
                for (int r = 0; r < rows; r++) {
                    int base = (r / panel) * pairCount * panel + r % panel;
                    for (int k = 0; k < cols; k++) {
                        int bits = src[r * cols + k] & 0xFFFF;
                        data[base + (k / 2) * panel] |= (k & 1) == 0 ? bits : bits << 16;
                    }
                }
                return new PackedMatrix(rows, cols, panel, type, null, null, data, null, null);
            }
        }
    }
}
