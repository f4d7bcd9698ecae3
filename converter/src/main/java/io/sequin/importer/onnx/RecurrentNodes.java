package io.sequin.importer.onnx;

import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LSTM, GRU and RNN nodes as recurrent layers: weights and attributes as ONNX defines them, X
 * read as it is or through a folded transpose (batch first), initial states left absent when
 * they are zeros, or read from rows of a stack's state tensor (a folded Slice).
 */
final class RecurrentNodes {
    private final ImportContext cx;

    RecurrentNodes(ImportContext cx) {
        this.cx = cx;
    }

    void recurrent(OnnxNode node) throws ImportException {
        String where = node.where;
        CellType cell = CellType.valueOf(node.op);
        int maxInputs = cell == CellType.LSTM ? 8 : 6;
        if (node.inputCount() > maxInputs) {
            throw node.error(node.inputCount() + " inputs, at most " + maxInputs);
        }
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = cx.layerName(node, node.op.toLowerCase(Locale.ROOT));
        Direction direction = direction(node.stringAttr("direction", "forward"), where);
        int dirs = direction.count();
        int gates = cell.gates();

        Tensor w = weight(node, 1, "W", true);
        Tensor r = weight(node, 2, "R", true);
        if (w.rank() != 3 || w.dim(0) != dirs || w.dim(1) % gates != 0 || w.dim(1) == 0) {
            throw node.error("W has shape " + Tensor.format(w.shape()) + ", expected [" + dirs + ", " + gates + "*hidden_size, input_size]");
        }
        int hidden = w.dim(1) / gates;
        if (node.has("hidden_size") && node.intAttr("hidden_size", 0) != hidden) {
            throw node.error("hidden_size is " + node.intAttr("hidden_size", 0) + " but W has " + w.dim(1) + " rows (" + gates
                    + " gates of " + hidden + ")");
        }
        int inputSize = w.dim(2);
        if (hidden > Limits.MAX_LAYER_WIDTH || inputSize > Limits.MAX_LAYER_WIDTH || inputSize == 0) {
            throw node.error("hidden size " + hidden + " or input size " + inputSize + " is outside [1, " + Limits.MAX_LAYER_WIDTH + "]");
        }
        requireShape(r, new int[] {dirs, gates * hidden, hidden}, "R", where);
        Tensor b = weight(node, 3, "B", false);
        if (b != null) {
            requireShape(b, new int[] {dirs, 2 * gates * hidden}, "B", where);
        }
        Tensor p = cell == CellType.LSTM ? weight(node, 7, "P", false) : null;
        if (p != null) {
            requireShape(p, new int[] {dirs, 3 * hidden}, "P", where);
        }
        long layout = node.intAttr("layout", 0);
        if (layout != 0 && layout != 1) {
            throw node.error("layout " + layout + ", expected 0 or 1");
        }
        RecurrentSpec.Builder spec = RecurrentSpec.builder(cell, hidden, inputSize).direction(direction)
                .activations(OnnxActivations.resolve(cell, dirs, node.stringsAttr("activations"),
                        node.floatsAttr("activation_alpha"), node.floatsAttr("activation_beta"), where))
                .inputForget(cell == CellType.LSTM && node.intAttr("input_forget", 0) != 0)
                .linearBeforeReset(cell == CellType.GRU && node.intAttr("linear_before_reset", 0) != 0);
        if (node.has("clip")) {
            float clip = node.floatAttr("clip", 0);
            if (!(clip > 0) || !Float.isFinite(clip)) {
                throw node.error("clip " + clip + " must be positive and finite");
            }
            spec.clip(clip);
        }
        RecurrentLayout forms = RecurrentLayout.onnx((int) layout);

        // X: the tensor itself, or a transpose of one with the batch first (a folded Transpose).
        Value x = cx.value(node, 0, "X");
        if (x.kind == Value.Kind.CONSTANT) {
            cx.ir.constants.putIfAbsent(node.input(0), x.constant);
            x = Value.of(new Source(node.input(0), ImportContext.syms(x.constant.shape()), x.constant.type(), null, null));
        }
        if (x.kind != Value.Kind.RUNTIME || x.rank() != 3) {
            throw node.error("X is " + x + ", expected a rank-3 tensor");
        }
        List<Sym> xd = x.dims();
        if (!xd.get(2).equals(Sym.of(inputSize)) && xd.get(2).known()) {
            throw node.error("X has " + xd.get(2) + " features but W expects input_size " + inputSize);
        }
        Sym seq = layout == 0 ? xd.get(0) : xd.get(1);
        Sym batch = layout == 0 ? xd.get(1) : xd.get(0);
        String xName = cx.materializeOrNull(x, node);
        boolean swapped = false;
        if (xName == null) {
            xName = cx.materializeOrNull(Views.transpose(x, new long[] {1, 0, 2}, node), node);
            swapped = true;
        }
        if (xName == null) {
            throw node.error("X is " + ImportContext.describeView(x) + ", which Sequin cannot read as a sequence");
        }
        l.w = w.floats();
        l.r = r.floats();
        l.b = b == null ? null : b.floats();
        l.p = p == null ? null : p.floats();
        forms = forms.withXBatchFirst((layout == 1) != swapped);
        l.inputs.add(xName);
        l.inputs.add(sequenceLengths(node));
        StateRows h = state(node, 5, "initial_h", dirs, hidden, batch);
        StateRows c = cell == CellType.LSTM ? state(node, 6, "initial_c", dirs, hidden, batch) : StateRows.ABSENT;
        if (!h.name.isEmpty() && !c.name.isEmpty() && (h.offset != c.offset || h.rows != c.rows)) {
            throw node.error("initial_h and initial_c are read at different rows of their tensors");
        }
        StateRows rows = h.name.isEmpty() ? c : h;
        try {
            l.spec = spec.layout(forms.withStateRows(rows.offset, rows.rows)).build();
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
        l.inputs.add(h.name);
        l.inputs.add(c.name);
        while (!l.inputs.isEmpty() && l.inputs.get(l.inputs.size() - 1).isEmpty()) {
            l.inputs.remove(l.inputs.size() - 1);
        }

        int maxOutputs = cell == CellType.LSTM ? 3 : 2;
        if (node.outputCount() > maxOutputs) {
            throw node.error(node.outputCount() + " outputs, at most " + maxOutputs);
        }
        cx.ir.layers.add(l);
        Sym d = Sym.of(dirs);
        Sym hs = Sym.of(hidden);
        for (int k = 0; k < node.outputCount(); k++) {
            String out = node.output(k);
            // An output nothing reads is not computed.
            l.outputs.add(out.isEmpty() || cx.uses.getOrDefault(out, 0) == 0 ? "" : out);
            if (out.isEmpty()) {
                continue;
            }
            Source s;
            if (k == 0) {
                s = new Source(out, new Sym[] {seq, d, batch, hs}, ElementType.FLOAT32, l, l);
                cx.put(node, 0, Value.of(s).withGroups(layout == 0 ? ImportContext.Y_ONNX0 : ImportContext.Y_ONNX1));
            } else {
                Sym[] dims = layout == 0 ? new Sym[] {d, batch, hs} : new Sym[] {batch, d, hs};
                s = new Source(out, dims, ElementType.FLOAT32, l, null);
                s.recurrentState = l;
                s.stateBatchAxis = layout == 0 ? 1 : 0;
                cx.put(node, k, Value.of(s));
            }
        }
        while (!l.outputs.isEmpty() && l.outputs.get(l.outputs.size() - 1).isEmpty()) {
            l.outputs.remove(l.outputs.size() - 1);
        }
    }

    /** Where a layer reads its initial states: a tensor name ("" for zeros), and which of its rows. */
    private static final class StateRows {
        static final StateRows ABSENT = new StateRows("", 0, 0);
        final String name;
        final int offset;
        final int rows;

        StateRows(String name, int offset, int rows) {
            this.name = name;
            this.offset = offset;
            this.rows = rows;
        }
    }

    private StateRows state(OnnxNode node, int k, String role, int dirs, int hidden, Sym batch) throws ImportException {
        if (node.input(k).isEmpty()) {
            return StateRows.ABSENT;
        }
        Value v = cx.value(node, k, role);
        switch (v.kind) {
            case ZEROS:
                return StateRows.ABSENT;
            case CONSTANT: {
                Tensor c = v.constant;
                if (c.type() != ElementType.FLOAT32) {
                    throw node.error(role + " '" + node.input(k) + "' is " + c.type().displayName() + ", expected float32");
                }
                boolean zero = true;
                for (float f : c.floats()) {
                    zero &= f == 0;
                }
                if (zero) {
                    // All zeros is what an absent state means; dropping it also frees the batch size it was made for.
                    return StateRows.ABSENT;
                }
                cx.ir.constants.putIfAbsent(node.input(k), c);
                return new StateRows(node.input(k), 0, 0);
            }
            case RUNTIME: {
                if (v.source.type != ElementType.FLOAT32 || v.rank() != 3) {
                    throw node.error(role + " is " + v + ", expected a float tensor [directions, batch, hidden]");
                }
                Sym rows = v.source.dims[0];
                if (v.isSlicedOnAxis0() && v.sliceCount(0) == dirs && rows.known()) {
                    // Rows of a stack's states (PyTorch's h0 of [layers * D, B, H]): the layer reads its own.
                    String name = cx.materializeOrNull(v.unsliced(), node);
                    if (name != null) {
                        return new StateRows(name, v.sliceStart(0), (int) rows.value);
                    }
                }
                return new StateRows(cx.materialize(v, node, role), 0, 0);
            }
            default:
                throw node.error(role + " is " + v + ", expected a float tensor");
        }
    }

    private String sequenceLengths(OnnxNode node) throws ImportException {
        if (node.input(4).isEmpty()) {
            return "";
        }
        Value v = cx.value(node, 4, "sequence_lens");
        if (v.kind == Value.Kind.CONSTANT) {
            Tensor c = v.constant;
            if (c.type() == ElementType.INT64) {
                c = narrow(c, node.where + ": sequence_lens");
            }
            if (c.type() != ElementType.INT32) {
                throw node.error("sequence_lens '" + node.input(4) + "' is " + c.type().displayName() + ", expected int32");
            }
            cx.ir.constants.putIfAbsent(node.input(4), c);
            return node.input(4);
        }
        if (v.kind != Value.Kind.RUNTIME || v.source.type == ElementType.FLOAT32) {
            throw node.error("sequence_lens '" + node.input(4) + "' is " + v + ", expected int32");
        }
        return cx.materialize(v, node, "sequence_lens");
    }

    private static Tensor narrow(Tensor t, String what) throws ImportException {
        long[] v = t.longs();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > Integer.MAX_VALUE) {
                throw new ImportException(what + ": value " + v[i] + " does not fit int32");
            }
            out[i] = (int) v[i];
        }
        return Tensor.ofInts(t.shape(), out);
    }

    /** A weight input: an initializer or a frozen graph input, float. */
    Tensor weight(OnnxNode node, int k, String role, boolean required) throws ImportException {
        String name = node.input(k);
        if (name.isEmpty()) {
            if (required) {
                throw node.error("input " + role + " is missing");
            }
            return null;
        }
        Value v = cx.values.get(name);
        Tensor t;
        if (v != null && v.kind == Value.Kind.CONSTANT) {
            t = v.constant;
        } else if (v == null && cx.initializers.containsKey(name)) {
            t = cx.constant(node, k, role);
        } else if (cx.graphInputs.containsKey(name)) {
            throw node.error(role + " '" + name + "' is a graph input, not a constant; freeze it with --const " + name + "=FILE.npy");
        } else if (v != null) {
            throw node.error(role + " '" + name + "' is " + v + ", not a constant");
        } else {
            throw node.error(role + " '" + name + "' is not defined in the graph");
        }
        if (t.type() != ElementType.FLOAT32) {
            throw node.error(role + " '" + name + "' is " + t.type().displayName() + ", expected float32");
        }
        return t;
    }

    private static void requireShape(Tensor t, int[] expected, String role, String where) throws ImportException {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ImportException(where + ": " + role + " has shape " + Tensor.format(t.shape()) + ", expected " + Tensor.format(expected));
        }
    }

    private static Direction direction(String s, String where) throws ImportException {
        switch (s) {
            case "forward":
            case "foward": // the default's spelling in opset 1's schema
                return Direction.FORWARD;
            case "reverse":
                return Direction.REVERSE;
            case "bidirectional":
                return Direction.BIDIRECTIONAL;
            default:
                throw new ImportException(where + ": direction '" + s + "', expected forward, reverse or bidirectional");
        }
    }
}
