package io.sequin.importer.onnx;

import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one ONNX value is while the graph is folded into Sequin layers:
 * <ul>
 * <li>{@link Kind#CONSTANT}: a tensor known now (an initializer, a Constant node, or folded);
 * <li>{@link Kind#SHAPE}: an int64 scalar or vector of sizes, some known only at run time: the
 *     shape arithmetic exporters emit (Shape, Gather, Unsqueeze, Concat, ...);
 * <li>{@link Kind#ZEROS}: float zeros of a shape given by sizes (ConstantOfShape): an initial
 *     state left at zero;
 * <li>{@link Kind#RUNTIME}: a tensor computed at run time, seen through a view: its logical axes
 *     are groups of the axes of a {@link Source} tensor (Transpose permutes them, Reshape merges
 *     neighbours, Squeeze and Unsqueeze drop and add axes of size 1), each source axis optionally
 *     cut to a range (Slice, Gather of one index). A layer reads the source in a form that makes
 *     the view real where it can (the rows of a stack's states, the last step of Y); where it
 *     cannot, a {@code Slice} layer copies the view out, or the import fails naming the node.
 * </ul>
 */
final class Value {
    enum Kind { CONSTANT, SHAPE, ZEROS, RUNTIME }

    final Kind kind;
    final Tensor constant;
    /** SHAPE: the elements; ZEROS: the shape. */
    final List<Sym> sizes;
    /** SHAPE: a scalar rather than a vector. */
    final boolean scalar;
    final Source source;
    /** RUNTIME: logical axis k is the source axes groups[k], merged in order (empty: a size-1 axis). */
    final int[][] groups;
    /** RUNTIME: source axis a is cut to [starts[a], starts[a] + counts[a]), or all of it where counts[a] is -1. */
    private final int[] starts;
    private final int[] counts;

    private Value(Kind kind, Tensor constant, List<Sym> sizes, boolean scalar, Source source, int[][] groups,
                  int[] starts, int[] counts) {
        this.kind = kind;
        this.constant = constant;
        this.sizes = sizes;
        this.scalar = scalar;
        this.source = source;
        this.groups = groups;
        this.starts = starts;
        this.counts = counts;
    }

    static Value constant(Tensor t) {
        return new Value(Kind.CONSTANT, t, null, false, null, null, null, null);
    }

    static Value shape(List<Sym> elements, boolean scalar) {
        return new Value(Kind.SHAPE, null, List.copyOf(elements), scalar, null, null, null, null);
    }

    static Value zeros(List<Sym> shape) {
        return new Value(Kind.ZEROS, null, List.copyOf(shape), false, null, null, null, null);
    }

    /** The whole of a source, axis for axis. */
    static Value of(Source source) {
        int rank = source.dims.length;
        int[][] groups = new int[rank][];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = new int[] {i};
        }
        int[] counts = new int[rank];
        Arrays.fill(counts, -1);
        return new Value(Kind.RUNTIME, null, null, false, source, groups, new int[rank], counts);
    }

    Value withGroups(int[][] newGroups) {
        return new Value(kind, null, null, false, source, newGroups, starts, counts);
    }

    /** This view with source axis a cut to [start, start + count) of what it sees now. */
    Value withSlice(int a, int start, int count) {
        int[] s = starts.clone();
        int[] c = counts.clone();
        s[a] += start;
        c[a] = count;
        return new Value(kind, null, null, false, source, groups, s, c);
    }

    /** This view with no source axis cut. */
    Value unsliced() {
        Value whole = Value.of(source);
        return new Value(kind, null, null, false, source, groups, whole.starts, whole.counts);
    }

    /** Whether some source axis is cut. */
    boolean isSliced() {
        return Arrays.stream(counts).anyMatch(c -> c >= 0);
    }

    /** Whether source axis 0 is cut and no other is. */
    boolean isSlicedOnAxis0() {
        return counts.length > 0 && counts[0] >= 0 && Arrays.stream(counts).skip(1).allMatch(c -> c < 0);
    }

    /** Where the cut of source axis a starts. */
    int sliceStart(int a) {
        return starts[a];
    }

    /** How many elements of source axis a the cut keeps, or -1 for all of them. */
    int sliceCount(int a) {
        return counts[a];
    }

    /** The size of source axis a as this view sees it (it may be cut). */
    Sym sourceDim(int a) {
        return counts[a] >= 0 ? Sym.of(counts[a]) : source.dims[a];
    }

    /** RUNTIME: the logical shape. */
    List<Sym> dims() {
        List<Sym> out = new ArrayList<>();
        for (int[] g : groups) {
            Sym s = Sym.of(1);
            for (int a : g) {
                s = s.times(sourceDim(a));
            }
            out.add(s);
        }
        return out;
    }

    int rank() {
        switch (kind) {
            case CONSTANT:
                return constant.rank();
            case SHAPE:
                return scalar ? 0 : 1;
            case ZEROS:
                return sizes.size();
            default:
                return groups.length;
        }
    }

    /** RUNTIME: this view is the source itself, axis for axis, uncut. */
    boolean isWholeSource() {
        return !isSliced() && sameGroups(groups, Value.of(source).groups, source);
    }

    /**
     * Two views' groups are the same once source axes of size 1 are left out (a squeezed
     * direction axis of a one-direction layer, say): same rank, same axes in each group.
     */
    static boolean sameGroups(int[][] a, int[][] b, Source source) {
        if (a.length != b.length) {
            return false;
        }
        for (int k = 0; k < a.length; k++) {
            if (!Arrays.equals(nonUnit(a[k], source), nonUnit(b[k], source))) {
                return false;
            }
        }
        return true;
    }

    private static int[] nonUnit(int[] group, Source source) {
        return Arrays.stream(group).filter(a -> !source.dims[a].equals(Sym.of(1))).toArray();
    }

    @Override
    public String toString() {
        switch (kind) {
            case CONSTANT:
                return "constant " + constant;
            case SHAPE:
                return "shape values " + sizes;
            case ZEROS:
                return "zeros of shape " + sizes;
            default:
                return "tensor '" + source.name + "' " + dims();
        }
    }
}
