package io.sequin.layer;

import io.sequin.format.Limits;
import io.sequin.kernel.Kernels;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs joined along one axis (negative counts from the end), as ONNX's Concat: every other
 * dimension must agree. It joins a stack's final states into one tensor (PyTorch's
 * {@code h_n}). Inputs: the parts, in order (float32). Output: y. Not steppable.
 */
public final class ConcatLayer extends MoveLayer {
    private final int axis;

    public ConcatLayer(String name, List<String> inputs, List<String> outputs, int axis) {
        super(name, inputs, outputs, Limits.MAX_COUNT, "joins whole tensors");
        this.axis = axis;
    }

    @Override
    public String kind() {
        return "Concat";
    }

    public int axis() {
        return axis;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("axis", axis);
        return a;
    }

    /** Input k, present and float32 (its message is only built when it is not). */
    private Tensor part(Tensor[] in, int k) {
        Tensor t = k < in.length ? in[k] : null;
        if (t == null || t.type() != ElementType.FLOAT32) {
            return floatInput(in, k, "part " + k);
        }
        return t;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new MoveRunner() {
            private int[] shape;
            private Tensor owned;
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor y = Tensor.zeros(outputShape(in));
                join(in, y);
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                int[] want = outputShape(in);
                Tensor y = given.length > 0 ? given[0] : null;
                if (y != null) {
                    if (y.type() != ElementType.FLOAT32 || !y.hasShape(want)) {
                        throw new IllegalArgumentException(name + ": output buffer is " + y + ", expected float32" + Tensor.format(want));
                    }
                } else {
                    if (owned == null || !owned.hasShape(want)) {
                        owned = Tensor.zeros(want);
                    }
                    y = owned;
                }
                join(in, y);
                results[0] = y;
                return results;
            }

            /** The joined shape, in an array kept while it does not change. */
            private int[] outputShape(Tensor[] in) {
                Tensor first = part(in, 0);
                int rank = first.rank();
                int a = axis < 0 ? axis + rank : axis;
                if (a < 0 || a >= rank) {
                    throw new IllegalArgumentException(name + ": axis " + axis + " is outside a rank-" + rank + " input");
                }
                long total = 0;
                for (int k = 0; k < in.length; k++) {
                    Tensor t = part(in, k);
                    if (t.rank() != rank) {
                        throw new IllegalArgumentException(name + ": input " + k + " has shape " + Tensor.format(t.shape())
                                + ", expected rank " + rank + " like input 0");
                    }
                    for (int d = 0; d < rank; d++) {
                        if (d != a && t.dim(d) != first.dim(d)) {
                            throw new IllegalArgumentException(name + ": input " + k + " has shape " + Tensor.format(t.shape())
                                    + ", which differs from input 0's " + Tensor.format(first.shape()) + " off axis " + axis);
                        }
                    }
                    total += t.dim(a);
                }
                if (total > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(name + ": the joined axis would have " + total + " elements");
                }
                boolean same = shape != null && shape.length == rank && shape[a] == total;
                for (int d = 0; same && d < rank; d++) {
                    same = d == a || shape[d] == first.dim(d);
                }
                if (!same) {
                    shape = first.shape();
                    shape[a] = (int) total;
                }
                return shape;
            }

            private void join(Tensor[] in, Tensor y) {
                int rank = y.rank();
                int a = axis < 0 ? axis + rank : axis;
                long outer = 1;
                for (int d = 0; d < a; d++) {
                    outer *= y.dim(d);
                }
                int inner = 1;
                for (int d = a + 1; d < rank; d++) {
                    inner *= y.dim(d);
                }
                int outRow = y.dim(a) * inner;
                int at = 0;
                for (Tensor t : in) {
                    int row = t.dim(a) * inner;
                    for (int o = 0; o < outer; o++) {
                        System.arraycopy(t.floats(), o * row, y.floats(), o * outRow + at, row);
                    }
                    at += row;
                }
            }
        };
    }
}
