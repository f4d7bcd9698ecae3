package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.ir.IrSliceLayer;
import io.sequin.layer.Direction;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentLayout.YLayout;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What an import knows while it walks the graph: every value so far ({@link Value}), how often
 * each is read, the model being built, and how views become tensors a layer can read.
 */
final class ImportContext {
    /** The canonical axes of a recurrent Y: S, D, B, H. */
    static final int[][] Y_ONNX0 = {{0}, {1}, {2}, {3}};
    static final int[][] Y_ONNX1 = {{2}, {0}, {1}, {3}};
    static final int[][] Y_SEQ_BATCH = {{0}, {2}, {1, 3}};
    static final int[][] Y_BATCH_SEQ = {{2}, {0}, {1, 3}};

    final Map<String, TensorProto> initializers = new HashMap<>();
    final Map<String, TensorSpec> graphInputs = new LinkedHashMap<>();
    final Map<String, Value> values = new HashMap<>();
    /** How many node inputs and graph outputs read each value. */
    final Map<String, Integer> uses = new HashMap<>();
    /** The dim_param names of the graph inputs: the names dynamic output axes keep. */
    final Set<String> dimParams = new HashSet<>();
    final Set<String> usedInputs = new LinkedHashSet<>();
    /** Recurrent layers whose Y was read in ONNX's layout-dependent form: their layout may no longer change. */
    private final Set<IrRecurrentLayer> layoutFixed = new HashSet<>();
    final Set<String> layerNames = new HashSet<>();
    /** The copies Slice layers make of views (see {@link #materialize}), by name. */
    final Map<String, Source> copies = new HashMap<>();
    final IrModel ir = new IrModel();
    long opset = 1;

    void put(OnnxNode node, int k, Value v) throws ImportException {
        String name = node.output(k);
        if (name.isEmpty()) {
            return;
        }
        if (values.containsKey(name) || initializers.containsKey(name)) {
            throw node.error("output '" + name + "' is already defined");
        }
        values.put(name, v);
    }

    /** Input k of a node: a value defined before it, or an initializer. */
    Value value(OnnxNode node, int k, String role) throws ImportException {
        String name = node.input(k);
        if (name.isEmpty()) {
            throw node.error("input " + role + " is missing");
        }
        Value v = values.get(name);
        if (v == null) {
            TensorProto p = initializers.get(name);
            if (p == null) {
                throw node.error(role + " '" + name + "' is not defined before this node");
            }
            v = Value.constant(OnnxTensors.decode(p, node.where + ": " + role + " '" + name + "'"));
            values.put(name, v);
        }
        return v;
    }

    /** Input k, optional: null when absent. */
    Value optional(OnnxNode node, int k, String role) throws ImportException {
        return node.input(k).isEmpty() ? null : value(node, k, role);
    }

    Value runtime(OnnxNode node, int k, String role) throws ImportException {
        Value v = value(node, k, role);
        if (v.kind != Value.Kind.RUNTIME) {
            throw node.error(role + " '" + node.input(k) + "' is " + v + "; Sequin folds this operator only on tensors computed at run time");
        }
        return v;
    }

    Tensor constant(OnnxNode node, int k, String role) throws ImportException {
        Value v = value(node, k, role);
        if (v.kind != Value.Kind.CONSTANT) {
            throw node.error(role + " '" + node.input(k) + "' must be a constant, but is " + v);
        }
        return v.constant;
    }

    /** An int64/int32 vector known now: a constant, or shape values that are all known. */
    long[] knownInts(OnnxNode node, int k, String role) throws ImportException {
        Value v = value(node, k, role);
        List<Sym> s = ints(v, node, role);
        long[] out = new long[s.size()];
        for (int i = 0; i < out.length; i++) {
            if (!s.get(i).known()) {
                throw node.error(role + " " + s + " depends on sizes known only at run time");
            }
            out[i] = s.get(i).value;
        }
        return out;
    }

    /** An integer value (constant or shape values) as sizes. */
    static List<Sym> ints(Value v, OnnxNode node, String role) throws ImportException {
        if (v.kind == Value.Kind.SHAPE) {
            return v.sizes;
        }
        if (v.kind == Value.Kind.CONSTANT && (v.constant.type() == ElementType.INT64 || v.constant.type() == ElementType.INT32)) {
            List<Sym> out = new ArrayList<>();
            for (int i = 0; i < v.constant.size(); i++) {
                out.add(Sym.of(v.constant.type() == ElementType.INT64 ? v.constant.longs()[i] : v.constant.ints()[i]));
            }
            return out;
        }
        throw node.error(role + " must be integers, but is " + v);
    }

    static boolean isScalar(Value v) {
        return v.kind == Value.Kind.SHAPE ? v.scalar : v.kind == Value.Kind.CONSTANT && v.constant.rank() == 0;
    }

    String layerName(OnnxNode node, String fallback) {
        String base = node.proto.getName().isEmpty() ? fallback + "_" + node.index : node.proto.getName();
        String name = base;
        for (int i = 1; !layerNames.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** Adds a layer whose output k is {@code node}'s output k, a tensor of {@code dims}. */
    Source addLayer(OnnxNode node, IrLayer layer, int k, Sym[] dims, ElementType type) throws ImportException {
        ir.layers.add(layer);
        String out = node.output(k);
        while (layer.outputs.size() <= k) {
            layer.outputs.add("");
        }
        layer.outputs.set(k, out);
        Source s = new Source(out, dims, type, layer, null);
        put(node, k, Value.of(s));
        return s;
    }

    /**
     * The name of a tensor that is exactly value v: the source itself where a layer can read or
     * write it in v's form, else a copy of the view that a Slice layer makes from the whole source
     * (the slices and stacks around a real-time model's packed states); or an error naming the node.
     */
    String materialize(Value v, OnnxNode node, String role) throws ImportException {
        String name = v.kind == Value.Kind.RUNTIME ? materializeOrNull(v, node) : null;
        if (name == null && v.kind == Value.Kind.RUNTIME && v.source.type == ElementType.FLOAT32) {
            name = copyOrNull(v, node);
        }
        if (name == null) {
            throw new ImportException((node == null ? "" : node.where + ": ") + role + " is " + describeView(v)
                    + ", which Sequin cannot fold into the layers around it");
        }
        return name;
    }

    /** A Slice layer's output holding view v of its whole source, or null if the source cannot be read whole. */
    private String copyOrNull(Value v, OnnxNode node) throws ImportException {
        Source whole = v.source;
        if (whole.dims.length == 0 || whole.dims.length > Limits.MAX_RANK || v.groups.length > Limits.MAX_RANK) {
            return null;
        }
        String from = materializeOrNull(Value.of(whole), node);
        if (from == null) {
            return null;
        }
        IrSliceLayer layer = new IrSliceLayer();
        int rank = whole.dims.length;
        layer.starts = new int[rank];
        layer.counts = new int[rank];
        for (int a = 0; a < rank; a++) {
            layer.starts[a] = v.sliceStart(a);
            layer.counts[a] = v.sliceCount(a);
        }
        layer.groups = v.groups.clone();
        layer.name = uniqueLayerName(from + "_slice");
        layer.inputs.add(from);
        String out = layer.name;
        layer.outputs.add(out);
        ir.layers.add(layer);
        copies.put(out, new Source(out, v.dims().toArray(new Sym[0]), whole.type, layer, null));
        return out;
    }

    private String uniqueLayerName(String base) {
        String name = base;
        for (int i = 1; !layerNames.add(name) || values.containsKey(name) || initializers.containsKey(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /**
     * The source's name when v is the whole source as it is laid out, fixing a recurrent Y's
     * layout to the view when that is one the layer can write; null when it cannot be.
     */
    String materializeOrNull(Value v, OnnxNode node) throws ImportException {
        if (v.kind == Value.Kind.RUNTIME && v.isSlicedOnAxis0() && v.sliceCount(0) == 1 && v.source.recurrentY != null) {
            return lastStepOrNull(v, v.source);
        }
        if (v.kind != Value.Kind.RUNTIME || v.isSliced()) {
            return null;
        }
        Source s = v.source;
        if (s.recurrentState != null && !v.isWholeSource()) {
            return mergedStateOrNull(v, s);
        }
        if (s.recurrentY == null) {
            if (!v.isWholeSource()) {
                return null;
            }
            if (s.recurrentState != null) {
                if (s.recurrentState.spec.layout().mergedStates) {
                    return null;
                }
                // Read as [D, B, H]: the layer's states may no longer become [B, D*H].
                s.fixed = true;
            }
            if (s.producer == null) {
                usedInputs.add(s.name);
            }
            return s.name;
        }
        IrRecurrentLayer l = s.recurrentY;
        YLayout form = null;
        if (Value.sameGroups(v.groups, l.spec.layout().layout == 0 ? Y_ONNX0 : Y_ONNX1, s)) {
            form = YLayout.ONNX;
        } else if (Value.sameGroups(v.groups, Y_SEQ_BATCH, s)) {
            form = YLayout.SEQ_BATCH;
        } else if (Value.sameGroups(v.groups, Y_BATCH_SEQ, s)) {
            form = YLayout.BATCH_SEQ;
        }
        if (form == null) {
            return null;
        }
        YLayout current = l.spec.layout().y;
        if (s.fixed && current != form) {
            throw new ImportException((node == null ? "" : node.where + ": ") + "Y of layer '" + l.name + "' is read as "
                    + current.name().toLowerCase(Locale.ROOT) + " and as " + form.name().toLowerCase(Locale.ROOT)
                    + "; Sequin writes one layout");
        }
        l.spec = l.spec.withLayout(l.spec.layout().withY(form));
        s.fixed = true;
        if (form == YLayout.ONNX) {
            layoutFixed.add(l);
        }
        return s.name;
    }

    /**
     * The last step of a forward layer's Y, [B, H] (tf2onnx takes Keras' last output as
     * Slice(Y, -1) and Squeeze rather than Y_h): with every row its full length and no mask, that
     * is Y_h, which the layer then writes as [B, D*H].
     */
    private String lastStepOrNull(Value v, Source y) {
        IrRecurrentLayer l = y.recurrentY;
        boolean lengths = l.inputs.size() > 1 && !l.inputs.get(1).isEmpty();
        boolean masked = l.inputs.size() > 4 && !l.inputs.get(4).isEmpty();
        if (l.spec.direction() != Direction.FORWARD || lengths || masked || !y.dims[0].known()
                || v.sliceStart(0) != y.dims[0].value - 1 || !Value.sameGroups(v.groups, new int[][] {{2}, {3}}, y)) {
            return null;
        }
        String lastStep = y.name + ".last_step";
        String yh = l.outputs.size() > 1 ? l.outputs.get(1) : "";
        if (!yh.isEmpty()) {
            // Read already: as this last step (a second reader), or as Y_h itself, whose form stays.
            return yh.equals(lastStep) ? yh : null;
        }
        while (l.outputs.size() < 2) {
            l.outputs.add("");
        }
        l.outputs.set(1, lastStep);
        Source state = new Source(l.outputs.get(1), new Sym[] {Sym.of(1), y.dims[2], y.dims[3]}, y.type, l, null);
        state.recurrentState = l;
        String name = mergedStateOrNull(Value.of(state).withGroups(new int[][] {{1}, {0, 2}}), state);
        if (name == null) {
            // Refused: the layer does not write the last step after all.
            l.outputs.set(1, "");
            while (!l.outputs.isEmpty() && l.outputs.get(l.outputs.size() - 1).isEmpty()) {
                l.outputs.remove(l.outputs.size() - 1);
            }
        }
        return name;
    }

    /**
     * A recurrent layer's Y_h or Y_c read as [B, D*H], the directions side by side (keras2onnx's
     * Transpose and Flatten of a bidirectional Y_h): the layer writes its states merged, which
     * needs layout 1. Switching from layout 0 is allowed only where nothing else depends on it:
     * no initial states, Y unused or in a form of its own, and the other state unused.
     */
    private String mergedStateOrNull(Value v, Source s) {
        IrRecurrentLayer l = s.recurrentState;
        RecurrentLayout f = l.spec.layout();
        int[][] merged = s.stateBatchAxis == 1 ? new int[][] {{1}, {0, 2}} : new int[][] {{0}, {1, 2}};
        if (!Value.sameGroups(v.groups, merged, s)) {
            return null;
        }
        if (!f.mergedStates) {
            if (s.fixed || layoutFixed.contains(l)) {
                return null;
            }
            boolean initialStates = l.inputs.size() > 2 && l.inputs.subList(2, Math.min(4, l.inputs.size())).stream()
                    .anyMatch(n -> !n.isEmpty());
            long statesRead = l.outputs.stream().skip(1).filter(n -> !n.isEmpty()).count();
            if (initialStates || statesRead > 1) {
                return null;
            }
            l.spec = l.spec.withLayout(RecurrentLayout.onnx(1).withXBatchFirst(f.xBatchFirst).withY(f.y)
                    .withStateRows(f.stateOffset, f.stateRows).withMergedStates(true).withYReversed(f.yReversed)
                    .withStateful(f.stateful).withZeroMaskedOutputs(f.zeroMaskedOutputs));
        }
        return s.name;
    }

    static String describeView(Value v) {
        if (v.kind != Value.Kind.RUNTIME) {
            return v.toString();
        }
        StringBuilder cuts = new StringBuilder();
        for (int a = 0; a < v.source.dims.length; a++) {
            if (v.sliceCount(a) >= 0) {
                cuts.append(cuts.length() == 0 ? " (" : ", ").append("axis ").append(a).append(": ").append(v.sliceStart(a))
                        .append("..").append(v.sliceStart(a) + v.sliceCount(a) - 1);
            }
        }
        return "a view " + Arrays.deepToString(v.groups) + (cuts.length() == 0 ? "" : cuts + ")") + " of tensor '" + v.source.name
                + "' " + Arrays.toString(v.source.dims);
    }

    void rename(Source s, String name) throws ImportException {
        if (s.name.equals(name)) {
            return;
        }
        for (IrLayer l : ir.layers) {
            l.outputs.replaceAll(n -> n.equals(s.name) ? name : n);
            l.inputs.replaceAll(n -> n.equals(s.name) ? name : n);
        }
        s.name = name;
    }

    static Sym[] syms(int[] shape) {
        Sym[] out = new Sym[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Sym.of(shape[i]);
        }
        return out;
    }
}
