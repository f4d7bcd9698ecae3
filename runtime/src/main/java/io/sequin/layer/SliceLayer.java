package io.sequin.layer;

import io.sequin.format.Limits;
import io.sequin.kernel.Kernels;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A part of x, its axes regrouped, copied into y: the Slice, Gather of one index, Squeeze,
 * Unsqueeze, Transpose and merging Reshape that exporters wrap around the state tensors of a model
 * made for a real-time loop (one tensor [B, layers, H, 2] holding every layer's h and c, say),
 * folded into one copy. Axis a of x is cut to [starts[a], starts[a] + counts[a]) (count -1: to
 * the end); y's axis k is the x axes groups[k], merged in order (an empty group is an axis of size
 * 1); an x axis in no group must have extent 1. Input: x (float32). Output: y. Not steppable: it
 * runs off the streaming chain, on the states a run is given.
 */
public final class SliceLayer extends MoveLayer {
    private final int[] starts;
    private final int[] counts;
    private final int[][] groups;
    /** The x axes in the order y enumerates them: the groups, flattened. */
    private final int[] order;

    public SliceLayer(String name, List<String> inputs, List<String> outputs, int[] starts, int[] counts, int[][] groups) {
        super(name, inputs, outputs, 1, "cuts whole tensors");
        int rank = starts.length;
        if (rank < 1 || rank > Limits.MAX_RANK || counts.length != rank) {
            throw new IllegalArgumentException(name + ": starts and counts must have one entry per input axis (1 to "
                    + Limits.MAX_RANK + "), got " + starts.length + " and " + counts.length);
        }
        if (groups.length > Limits.MAX_RANK) {
            throw new IllegalArgumentException(name + ": " + groups.length + " output axes, more than " + Limits.MAX_RANK);
        }
        boolean[] used = new boolean[rank];
        int n = 0;
        for (int[] g : groups) {
            for (int a : g) {
                if (a < 0 || a >= rank || used[a]) {
                    throw new IllegalArgumentException(name + ": groups " + Arrays.deepToString(groups) + " must name each of the "
                            + rank + " input axes at most once");
                }
                used[a] = true;
                n++;
            }
        }
        for (int a = 0; a < rank; a++) {
            if (starts[a] < 0 || counts[a] < -1 || (!used[a] && counts[a] != 1 && counts[a] != -1)) {
                throw new IllegalArgumentException(name + ": axis " + a + " is cut to start " + starts[a] + ", count " + counts[a]
                        + (used[a] ? "" : ", though it is in no group (its extent must be 1)"));
            }
        }
        this.starts = starts.clone();
        this.counts = counts.clone();
        this.groups = new int[groups.length][];
        this.order = new int[n];
        int at = 0;
        for (int k = 0; k < groups.length; k++) {
            this.groups[k] = groups[k].clone();
            for (int a : groups[k]) {
                order[at++] = a;
            }
        }
    }

    @Override
    public String kind() {
        return "Slice";
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("starts", Arrays.toString(starts));
        a.put("counts", Arrays.toString(counts));
        a.put("groups", Arrays.deepToString(groups));
        return a;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new MoveRunner() {
            /** For the last input shape: each x axis' extent after the cut, and its stride. */
            private final int[] extent = new int[starts.length];
            private final int[] stride = new int[starts.length];
            private final int[] index = new int[order.length];
            private final OutputBuffer out = new OutputBuffer(name, this::outputShape);
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = floatInput(in, 0, "x");
                Tensor y = out.fresh(x);
                copy(x, y);
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = floatInput(in, 0, "x");
                Tensor y = out.take(x, given.length > 0 ? given[0] : null);
                copy(x, y);
                results[0] = y;
                return results;
            }

            /** Works out each x axis' extent and stride for an x of this shape, and y's shape. */
            private int[] outputShape(int[] x) {
                int rank = starts.length;
                if (x.length != rank) {
                    throw new IllegalArgumentException(name + ": input x has shape " + Tensor.format(x) + ", expected rank " + rank);
                }
                int s = 1;
                for (int a = rank - 1; a >= 0; a--) {
                    int e = counts[a] < 0 ? x[a] - starts[a] : counts[a];
                    if (e < 0 || (long) starts[a] + e > x[a]) {
                        throw new IllegalArgumentException(name + ": axis " + a + " of x " + Tensor.format(x) + " has no elements "
                                + starts[a] + ".." + ((long) starts[a] + e - 1));
                    }
                    extent[a] = e;
                    stride[a] = s;
                    s *= x[a];
                }
                for (int a = 0; a < rank; a++) {
                    boolean grouped = false;
                    for (int o : order) {
                        grouped |= o == a;
                    }
                    if (!grouped && extent[a] != 1) {
                        throw new IllegalArgumentException(name + ": axis " + a + " of x " + Tensor.format(x) + " is dropped, so it must "
                                + "have extent 1, not " + extent[a]);
                    }
                }
                int[] shape = new int[groups.length];
                for (int k = 0; k < groups.length; k++) {
                    shape[k] = 1;
                    for (int a : groups[k]) {
                        shape[k] *= extent[a];
                    }
                }
                return shape;
            }

            /** y's elements in order: an odometer over the x axes in {@link #order}, the last fastest. */
            private void copy(Tensor x, Tensor y) {
                float[] from = x.floats();
                float[] to = y.floats();
                int base = 0;
                for (int a = 0; a < starts.length; a++) {
                    base += starts[a] * stride[a];
                }
                int n = to.length;
                if (n == 0) {
                    return;
                }
                Arrays.fill(index, 0);
                int at = base;
                for (int i = 0; i < n; i++) {
                    to[i] = from[at];
                    for (int k = order.length - 1; k >= 0; k--) {
                        int a = order[k];
                        if (++index[k] < extent[a]) {
                            at += stride[a];
                            break;
                        }
                        index[k] = 0;
                        at -= (extent[a] - 1) * stride[a];
                    }
                }
            }
        };
    }
}
