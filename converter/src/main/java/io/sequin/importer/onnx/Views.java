package io.sequin.importer.onnx;

import io.sequin.importer.ImportException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Transpose, Reshape, Squeeze and Unsqueeze on a run-time value, as changes of its view
 * ({@link Value}): nothing is computed. A reshape can merge neighbouring axes and add or drop
 * axes of size 1; one that splits an axis is refused.
 */
final class Views {
    private Views() {
    }

    static Value transpose(Value v, long[] perm, OnnxNode node) throws ImportException {
        int rank = v.rank();
        if (perm == null) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        if (perm.length != rank) {
            throw node.error("perm " + Arrays.toString(perm) + " does not fit rank " + rank);
        }
        int[][] groups = new int[rank][];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int p = (int) perm[i];
            if (perm[i] < 0 || perm[i] >= rank || seen[p]) {
                throw node.error("perm " + Arrays.toString(perm) + " is not a permutation of " + rank + " axes");
            }
            seen[p] = true;
            groups[i] = v.groups[p];
        }
        return v.withGroups(groups);
    }

    static Value squeeze(Value v, long[] axes, OnnxNode node) throws ImportException {
        List<Sym> dims = v.dims();
        int rank = dims.size();
        boolean[] drop = new boolean[rank];
        if (axes == null) {
            for (int i = 0; i < rank; i++) {
                drop[i] = dims.get(i).equals(Sym.of(1));
            }
        } else {
            for (long a : axes) {
                int axis = axis(a, rank, node);
                if (!dims.get(axis).equals(Sym.of(1))) {
                    throw node.error("axis " + a + " has size " + dims.get(axis) + ", not 1");
                }
                drop[axis] = true;
            }
        }
        List<int[]> groups = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            if (!drop[i]) {
                groups.add(v.groups[i]);
            }
        }
        return v.withGroups(groups.toArray(new int[0][]));
    }

    static Value unsqueeze(Value v, long[] axes, OnnxNode node) throws ImportException {
        int rank = v.rank() + axes.length;
        boolean[] added = new boolean[rank];
        for (long a : axes) {
            int axis = axis(a, rank, node);
            if (added[axis]) {
                throw node.error("axis " + a + " is given twice");
            }
            added[axis] = true;
        }
        int[][] groups = new int[rank][];
        int from = 0;
        for (int i = 0; i < rank; i++) {
            groups[i] = added[i] ? new int[0] : v.groups[from++];
        }
        return v.withGroups(groups);
    }

    /**
     * A reshape to {@code target} (ONNX's: 0 copies the input's size at that position unless
     * allowzero, one -1 takes what is left) as merged neighbouring axes.
     */
    static Value reshape(Value v, List<Sym> target, boolean allowZero, OnnxNode node) throws ImportException {
        List<Sym> dims = v.dims();
        List<Sym> t = new ArrayList<>(target);
        int wildcard = -1;
        for (int j = 0; j < t.size(); j++) {
            Sym s = t.get(j);
            if (s.known() && s.value == 0 && !allowZero) {
                if (j >= dims.size()) {
                    throw node.error("shape " + target + " copies axis " + j + " of a rank-" + dims.size() + " input");
                }
                t.set(j, dims.get(j));
            } else if (s.known() && s.value == -1) {
                if (wildcard >= 0) {
                    throw node.error("shape " + target + " has more than one -1");
                }
                wildcard = j;
            } else if (s.known() && s.value < 0) {
                throw node.error("shape " + target + " has a negative size");
            }
        }
        int[][] out = new int[t.size()][];
        int at = 0;
        int end = wildcard < 0 ? t.size() : wildcard;
        for (int j = 0; j < end; j++) {
            int[] taken = take(v, dims, at, t.get(j), true, node, target);
            at += taken[0];
            out[j] = concat(v.groups, at - taken[0], at);
        }
        int back = dims.size();
        for (int j = t.size() - 1; j > end; j--) {
            int[] taken = take(v, dims, back, t.get(j), false, node, target);
            back -= taken[0];
            out[j] = concat(v.groups, back, back + taken[0]);
        }
        if (wildcard >= 0) {
            out[wildcard] = concat(v.groups, at, back);
        } else if (at != dims.size()) {
            // What is left over must be axes of size 1.
            for (int i = at; i < dims.size(); i++) {
                if (!dims.get(i).equals(Sym.of(1))) {
                    throw node.error("cannot fold reshape of " + dims + " to " + target);
                }
            }
        }
        return v.withGroups(out);
    }

    /**
     * How many axes from {@code at} (forwards, or backwards from before {@code at}) multiply to
     * {@code size}: {count}.
     */
    private static int[] take(Value v, List<Sym> dims, int at, Sym size, boolean forwards, OnnxNode node, List<Sym> target)
            throws ImportException {
        Sym product = Sym.of(1);
        int count = 0;
        if (size.equals(Sym.of(1))) {
            // An axis of size 1: take a matching one of the input if it is next, else make one.
            int next = forwards ? at : at - 1;
            boolean one = next >= 0 && next < dims.size() && dims.get(next).equals(Sym.of(1));
            return new int[] {one ? 1 : 0};
        }
        while (!product.equals(size)) {
            int next = forwards ? at + count : at - 1 - count;
            if (next < 0 || next >= dims.size() || (product.known() && size.known() && product.value > size.value)) {
                throw node.error("cannot fold reshape of " + dims + " to " + target
                        + ": Sequin folds reshapes that merge neighbouring axes, not ones that split an axis");
            }
            product = forwards ? product.times(dims.get(next)) : dims.get(next).times(product);
            count++;
        }
        return new int[] {count};
    }

    private static int[] concat(int[][] groups, int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (int a : groups[i]) {
                out.add(a);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static int axis(long a, int rank, OnnxNode node) throws ImportException {
        long axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) {
            throw node.error("axis " + a + " is outside a rank-" + rank + " tensor");
        }
        return (int) axis;
    }
}
