package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.sequin.importer.ImportException;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The glue exporters put around layers, evaluated at conversion time: Constant, Cast, Shape,
 * Gather and Concat on sizes, Squeeze/Unsqueeze, ConstantOfShape (zeros), Slice and Reshape.
 * Sizes known only at run time stay symbols ({@link Sym}); run-time tensors change their view.
 */
final class GlueNodes {
    private final ImportContext cx;

    GlueNodes(ImportContext cx) {
        this.cx = cx;
    }

    Tensor constantNode(OnnxNode node) throws ImportException {
        if (node.has("value")) {
            return OnnxTensors.decode(node.attribute("value").getT(), node.where + ": value");
        }
        if (node.has("value_float")) {
            return Tensor.ofFloats(new int[0], new float[] {node.floatAttr("value_float", 0)});
        }
        if (node.has("value_floats")) {
            List<Float> f = node.floatsAttr("value_floats");
            float[] v = new float[f.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = f.get(i);
            }
            return Tensor.ofFloats(new int[] {v.length}, v);
        }
        if (node.has("value_int")) {
            return Tensor.ofLongs(new int[0], new long[] {node.intAttr("value_int", 0)});
        }
        if (node.has("value_ints")) {
            long[] v = node.intsAttr("value_ints");
            return Tensor.ofLongs(new int[] {v.length}, v);
        }
        throw node.error("a Constant without value, value_float(s) or value_int(s) is not supported");
    }

    void cast(OnnxNode node) throws ImportException {
        Value v = cx.value(node, 0, "input");
        long to = node.intAttr("to", 0);
        boolean toInt = to == TensorProto.DataType.INT64_VALUE || to == TensorProto.DataType.INT32_VALUE;
        if (v.kind == Value.Kind.SHAPE && toInt) {
            cx.put(node, 0, v);
        } else if (v.kind == Value.Kind.CONSTANT && toInt && v.constant.type() != ElementType.FLOAT32) {
            cx.put(node, 0, Value.shape(ImportContext.ints(v, node, "input"), v.constant.rank() == 0));
        } else if (v.kind == Value.Kind.RUNTIME && to == elementCode(v.source.type)) {
            cx.put(node, 0, v);
        } else if (v.kind == Value.Kind.ZEROS && to == TensorProto.DataType.FLOAT_VALUE) {
            cx.put(node, 0, v);
        } else {
            throw node.error("cast of " + v + " to " + OnnxTensors.dataTypeName((int) to) + " is not supported");
        }
    }

    private static long elementCode(ElementType t) {
        switch (t) {
            case FLOAT32:
                return TensorProto.DataType.FLOAT_VALUE;
            case INT32:
                return TensorProto.DataType.INT32_VALUE;
            default:
                return TensorProto.DataType.INT64_VALUE;
        }
    }

    void shape(OnnxNode node) throws ImportException {
        Value v = cx.value(node, 0, "input");
        List<Sym> dims;
        switch (v.kind) {
            case RUNTIME:
                dims = v.dims();
                break;
            case ZEROS:
                dims = v.sizes;
                break;
            case CONSTANT:
                dims = new ArrayList<>();
                for (int d : v.constant.shape()) {
                    dims.add(Sym.of(d));
                }
                break;
            default:
                dims = v.scalar ? List.of() : List.of(Sym.of(v.sizes.size()));
        }
        int rank = dims.size();
        int start = (int) clampAxis(node.intAttr("start", 0), rank);
        int end = (int) clampAxis(node.intAttr("end", rank), rank);
        cx.put(node, 0, Value.shape(dims.subList(start, Math.max(start, end)), false));
    }

    private static long clampAxis(long a, int rank) {
        long axis = a < 0 ? a + rank : a;
        return Math.max(0, Math.min(rank, axis));
    }

    void squeeze(OnnxNode node, boolean unsqueeze) throws ImportException {
        Value v = cx.value(node, 0, "input");
        long[] axes = cx.opset >= 13 ? (node.input(1).isEmpty() ? null : cx.knownInts(node, 1, "axes")) : node.intsAttr("axes");
        if (unsqueeze && axes == null) {
            throw node.error("axes are missing");
        }
        switch (v.kind) {
            case RUNTIME:
                cx.put(node, 0, unsqueeze ? Views.unsqueeze(v, axes, node) : Views.squeeze(v, axes, node));
                return;
            case SHAPE:
            case CONSTANT: {
                List<Sym> elements = ImportContext.ints(v, node, "input");
                int rank = ImportContext.isScalar(v) ? 0 : 1;
                if (unsqueeze && rank == 0 && axes.length == 1 && Views.axis(axes[0], 1, node) == 0) {
                    cx.put(node, 0, Value.shape(elements, false));
                    return;
                }
                if (!unsqueeze && rank == 1 && elements.size() == 1 && (axes == null || (axes.length == 1 && Views.axis(axes[0], 1, node) == 0))) {
                    cx.put(node, 0, Value.shape(elements, true));
                    return;
                }
                break;
            }
            case ZEROS: {
                List<Sym> shape = new ArrayList<>(v.sizes);
                if (unsqueeze) {
                    long[] sorted = axes.clone();
                    Arrays.sort(sorted);
                    for (long a : sorted) {
                        shape.add(Views.axis(a, shape.size() + 1, node), Sym.of(1));
                    }
                } else {
                    for (int i = shape.size() - 1; i >= 0; i--) {
                        boolean listed = axes == null ? shape.get(i).equals(Sym.of(1)) : contains(axes, i, shape.size());
                        if (listed) {
                            shape.remove(i);
                        }
                    }
                }
                cx.put(node, 0, Value.zeros(shape));
                return;
            }
            default:
                break;
        }
        throw node.error((unsqueeze ? "Unsqueeze" : "Squeeze") + " of " + v + " is not supported");
    }

    private static boolean contains(long[] axes, int axis, int rank) {
        for (long a : axes) {
            if ((a < 0 ? a + rank : a) == axis) {
                return true;
            }
        }
        return false;
    }

    void constantOfShape(OnnxNode node) throws ImportException {
        List<Sym> shape = ImportContext.ints(cx.value(node, 0, "shape"), node, "shape");
        float fill = 0;
        if (node.has("value")) {
            Tensor t = OnnxTensors.decode(node.attribute("value").getT(), node.where + ": value");
            if (t.type() != ElementType.FLOAT32 || t.size() != 1) {
                throw node.error("only a float fill value is supported, not " + t);
            }
            fill = t.floats()[0];
        }
        if (fill != 0) {
            throw node.error("a fill value of " + fill + " is not supported; zero tensors are folded into absent initial states");
        }
        cx.put(node, 0, Value.zeros(shape));
    }

    /**
     * Expand of zeros (tf2onnx at opset 13 and later builds a zero initial state as Expand of a
     * 0.0 scalar to a shape computed from the input): zeros of the broadcast shape, folded into an
     * absent initial state as ConstantOfShape's are.
     */
    void expand(OnnxNode node) throws ImportException {
        Value in = cx.value(node, 0, "input");
        List<Sym> shape = ImportContext.ints(cx.value(node, 1, "shape"), node, "shape");
        List<Sym> from;
        if (in.kind == Value.Kind.ZEROS) {
            from = in.sizes;
        } else if (in.kind == Value.Kind.CONSTANT && in.constant.type() == ElementType.FLOAT32 && allZero(in.constant.floats())) {
            from = List.of(ImportContext.syms(in.constant.shape()));
        } else {
            throw node.error("Expand of " + in + " is not supported; an Expand of zeros is folded into an absent initial state");
        }
        int rank = Math.max(from.size(), shape.size());
        List<Sym> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            Sym a = i < rank - from.size() ? Sym.of(1) : from.get(i - (rank - from.size()));
            Sym b = i < rank - shape.size() ? Sym.of(1) : shape.get(i - (rank - shape.size()));
            if (a.equals(Sym.of(1))) {
                out.add(b);
            } else if (b.equals(Sym.of(1)) || a.equals(b)) {
                out.add(a);
            } else {
                throw node.error("cannot broadcast " + from + " to " + shape);
            }
        }
        cx.put(node, 0, Value.zeros(out));
    }

    private static boolean allZero(float[] v) {
        for (float f : v) {
            if (f != 0) {
                return false;
            }
        }
        return true;
    }

    void slice(OnnxNode node) throws ImportException {
        Value v = cx.value(node, 0, "data");
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (cx.opset < 10) {
            starts = node.intsAttr("starts");
            ends = node.intsAttr("ends");
            axes = node.intsAttr("axes");
        } else {
            starts = cx.knownInts(node, 1, "starts");
            ends = cx.knownInts(node, 2, "ends");
            axes = node.input(3).isEmpty() ? null : cx.knownInts(node, 3, "axes");
            steps = node.input(4).isEmpty() ? null : cx.knownInts(node, 4, "steps");
        }
        if (starts == null || ends == null || starts.length != ends.length || (axes != null && axes.length != starts.length)) {
            throw node.error("starts, ends and axes must be given and of one length");
        }
        if (steps != null) {
            for (long s : steps) {
                if (s != 1) {
                    throw node.error("steps other than 1 are not supported");
                }
            }
        }
        List<Sym> dims = v.kind == Value.Kind.RUNTIME ? v.dims() : v.kind == Value.Kind.ZEROS ? v.sizes
                : v.kind == Value.Kind.SHAPE && !v.scalar ? List.of(Sym.of(v.sizes.size())) : null;
        if (dims == null) {
            throw node.error("Slice of " + v + " is not supported");
        }
        List<Sym> out = new ArrayList<>(dims);
        // Per logical axis: the range kept, or null for all of it.
        long[][] ranges = new long[dims.size()][];
        int cut = 0;
        for (int i = 0; i < starts.length; i++) {
            int a = Views.axis(axes == null ? i : axes[i], dims.size(), node);
            Sym size = dims.get(a);
            if (starts[i] == 0 && ends[i] >= Integer.MAX_VALUE) {
                continue;
            }
            if (!size.known()) {
                throw node.error("slicing axis " + a + " of run-time size " + size + " is not supported");
            }
            if (ranges[a] != null) {
                throw node.error("axis " + a + " is sliced twice");
            }
            long from = clampIndex(starts[i], size.value);
            long to = Math.max(from, clampIndex(ends[i], size.value));
            if (from == 0 && to == size.value) {
                continue;
            }
            ranges[a] = new long[] {from, to};
            out.set(a, Sym.of(to - from));
            cut++;
        }
        switch (v.kind) {
            case ZEROS:
                cx.put(node, 0, Value.zeros(out));
                return;
            case SHAPE:
                cx.put(node, 0, Value.shape(cut == 0 ? v.sizes : v.sizes.subList((int) ranges[0][0], (int) ranges[0][1]), false));
                return;
            default:
                for (int a = 0; a < ranges.length; a++) {
                    if (ranges[a] != null) {
                        v = cut(v, a, (int) ranges[a][0], (int) (ranges[a][1] - ranges[a][0]), node);
                    }
                }
                cx.put(node, 0, v);
        }
    }

    /**
     * Logical axis a of a run-time view cut to [from, from + count): the cut of the one source
     * axis of more than one element the axis is (an axis merged of several cannot be cut as one).
     */
    private static Value cut(Value v, int a, int from, int count, OnnxNode node) throws ImportException {
        int[] wide = Arrays.stream(v.groups[a]).filter(x -> !v.sourceDim(x).equals(Sym.of(1))).toArray();
        if (wide.length != 1) {
            throw node.error("axis " + a + " of " + ImportContext.describeView(v) + " merges " + wide.length
                    + " axes of its source; Sequin slices an axis that is one axis of the tensor computed");
        }
        return v.withSlice(wide[0], from, count);
    }

    /**
     * Gather of one constant index on a run-time tensor (PyTorch's {@code state[0]}): the index's
     * slice of the axis, which a scalar index then drops.
     */
    void gatherOne(OnnxNode node, Value data, Value indices, long axis) throws ImportException {
        List<Sym> dims = data.dims();
        int a = Views.axis(axis, dims.size(), node);
        List<Sym> index = ImportContext.ints(indices, node, "indices");
        boolean scalar = ImportContext.isScalar(indices);
        if (index.size() != 1 || !index.get(0).known() || !dims.get(a).known()) {
            throw node.error("Gather on " + data + " at " + indices + " is not supported; Sequin folds one constant index into an "
                    + "axis of known size");
        }
        long size = dims.get(a).value;
        long k = index.get(0).value < 0 ? index.get(0).value + size : index.get(0).value;
        if (k < 0 || k >= size) {
            throw node.error("index " + index.get(0) + " is outside axis " + a + " of size " + size);
        }
        Value v = size == 1 ? data : cut(data, a, (int) k, 1, node);
        cx.put(node, 0, scalar ? Views.squeeze(v, new long[] {a}, node) : v);
    }

    private static long clampIndex(long i, long size) {
        long k = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, k));
    }

    void reshape(OnnxNode node) throws ImportException {
        Value v = cx.value(node, 0, "data");
        List<Sym> target = ImportContext.ints(cx.value(node, 1, "shape"), node, "shape");
        boolean allowZero = node.intAttr("allowzero", 0) != 0;
        if (v.kind == Value.Kind.RUNTIME) {
            cx.put(node, 0, Views.reshape(v, target, allowZero, node));
            return;
        }
        throw node.error("Reshape of " + v + " is not supported");
    }

    /** Flatten(axis): a reshape to [product of the axes before it, product of the rest], folded as a view. */
    void flatten(OnnxNode node) throws ImportException {
        Value v = cx.runtime(node, 0, "input");
        List<Sym> dims = v.dims();
        long axis = node.intAttr("axis", 1);
        if (axis < -dims.size() || axis > dims.size()) {
            throw node.error("axis " + axis + " is outside [-" + dims.size() + ", " + dims.size() + "]");
        }
        int a = (int) (axis < 0 ? axis + dims.size() : axis);
        Sym lead = Sym.of(1);
        for (int i = 0; i < a; i++) {
            lead = lead.times(dims.get(i));
        }
        cx.put(node, 0, Views.reshape(v, List.of(lead, Sym.of(-1)), false, node));
    }

    /** Gather on shape values: picks sizes (the importer sends Gather on a table to {@link LayerNodes#embedding}). */
    void gather(OnnxNode node, Value data, Value indices) throws ImportException {
        List<Sym> from = data.sizes;
        List<Sym> picked = new ArrayList<>();
        for (Sym i : ImportContext.ints(indices, node, "indices")) {
            long k = i.value < 0 ? i.value + from.size() : i.value;
            if (k < 0 || k >= from.size()) {
                throw node.error("index " + i + " is outside the " + from.size() + " shape values");
            }
            picked.add(from.get((int) k));
        }
        cx.put(node, 0, Value.shape(picked, ImportContext.isScalar(indices)));
    }

    /** Concat of integer vectors: joined sizes. */
    void concatInts(OnnxNode node, List<Value> parts) throws ImportException {
        List<Sym> joined = new ArrayList<>();
        for (Value v : parts) {
            joined.addAll(ImportContext.ints(v, node, "input"));
        }
        cx.put(node, 0, Value.shape(joined, false));
    }
}
