package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports ONNX graphs whose computation is LSTM, GRU and RNN nodes (domain ai.onnx, any opset
 * from 7), with weights as initializers or frozen graph inputs ({@code --const}).
 *
 * <p>Gate order, activations and every attribute keep ONNX's meaning, which is the meaning
 * of Sequin's recurrent layer, so no weight is reordered here.
 */
public final class OnnxImporter {
    private static final Set<String> RECURRENT_OPS = Set.of("LSTM", "GRU", "RNN");

    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorSpec> graphInputs = new LinkedHashMap<>();
    private final Map<String, Tensor> frozen = new HashMap<>();
    /** Shapes of every value known so far, as (size or -1, name) per dimension. */
    private final Map<String, Dim[]> shapes = new HashMap<>();
    private final Set<String> usedInputs = new LinkedHashSet<>();
    private final Set<String> produced = new LinkedHashSet<>();
    private final IrModel ir = new IrModel();

    private OnnxImporter() {
    }

    /**
     * Converts an ONNX model.
     *
     * @param bytes the {@code .onnx} file
     * @param constants graph inputs to freeze into constants, by name
     */
    public static IrModel importModel(byte[] bytes, Map<String, Tensor> constants) throws ImportException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ImportException("not a valid ONNX model: " + e.getMessage());
        }
        if (!model.hasGraph() || model.getIrVersion() <= 0) {
            throw new ImportException("not an ONNX model: it has no graph or no ir_version");
        }
        return new OnnxImporter().convert(model, constants);
    }

    private IrModel convert(ModelProto model, Map<String, Tensor> constants) throws ImportException {
        ir.sourceFormat = "onnx";
        checkOpset(model);
        GraphProto graph = model.getGraph();
        if (graph.getNodeCount() == 0) {
            throw new ImportException("the ONNX graph has no nodes");
        }
        if (graph.getNodeCount() > Limits.MAX_COUNT) {
            throw new ImportException("the ONNX graph has " + graph.getNodeCount() + " nodes, more than " + Limits.MAX_COUNT);
        }
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (ValueInfoProto input : graph.getInputList()) {
            if (!initializers.containsKey(input.getName())) {
                graphInputs.put(input.getName(), spec(input, "graph input '" + input.getName() + "'"));
            }
        }
        for (Map.Entry<String, Tensor> c : constants.entrySet()) {
            TensorSpec spec = graphInputs.get(c.getKey());
            if (spec == null) {
                throw new ImportException("--const " + c.getKey() + ": the model has no graph input of that name; its inputs are "
                        + graphInputs.keySet());
            }
            Tensor value = c.getValue();
            if (!spec.accepts(value.shape())) {
                throw new ImportException("--const " + c.getKey() + ": shape " + Tensor.format(value.shape())
                        + " does not fit the input's declared shape " + spec.shapeString());
            }
            frozen.put(c.getKey(), value);
        }
        for (Map.Entry<String, TensorSpec> e : graphInputs.entrySet()) {
            if (!frozen.containsKey(e.getKey())) {
                shapes.put(e.getKey(), dims(e.getValue()));
            }
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            String where = "node " + i + (node.getName().isEmpty() ? "" : " '" + node.getName() + "'") + " (" + node.getOpType() + ")";
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                throw new ImportException(where + ": operator domain '" + node.getDomain() + "' is not supported; Sequin imports ai.onnx LSTM, GRU and RNN nodes");
            }
            if (!RECURRENT_OPS.contains(node.getOpType())) {
                throw new ImportException(where + ": operator " + node.getOpType() + " is not supported; Sequin imports LSTM, GRU and RNN nodes");
            }
            ir.layers.add(recurrent(node, i, where));
        }
        for (String name : usedInputs) {
            ir.inputs.add(graphInputs.get(name));
        }
        for (ValueInfoProto output : graph.getOutputList()) {
            String name = output.getName();
            if (!produced.contains(name)) {
                throw new ImportException("graph output '" + name + "' is not produced by an LSTM, GRU or RNN node");
            }
            Dim[] d = shapes.get(name);
            int[] shape = new int[d.length];
            String[] dimNames = new String[d.length];
            for (int k = 0; k < d.length; k++) {
                shape[k] = d[k].size;
                dimNames[k] = d[k].name;
            }
            ir.outputs.add(new TensorSpec(name, ElementType.FLOAT32, shape, dimNames));
        }
        if (ir.outputs.isEmpty()) {
            throw new ImportException("the ONNX graph has no outputs");
        }
        return ir;
    }

    private static void checkOpset(ModelProto model) throws ImportException {
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            if ((opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx")) && opset.getVersion() < 7) {
                throw new ImportException("opset " + opset.getVersion() + " is not supported; Sequin imports opset 7 and later "
                        + "(re-export the model, or convert it with onnx.version_converter)");
            }
        }
    }

    private IrRecurrentLayer recurrent(NodeProto node, int index, String where) throws ImportException {
        CellType cell = CellType.valueOf(node.getOpType());
        Map<String, AttributeProto> attrs = new HashMap<>();
        for (AttributeProto a : node.getAttributeList()) {
            attrs.put(a.getName(), a);
        }
        List<String> in = new ArrayList<>(node.getInputList());
        int maxInputs = cell == CellType.LSTM ? 8 : 6;
        if (in.size() > maxInputs) {
            throw new ImportException(where + ": " + in.size() + " inputs, at most " + maxInputs);
        }
        while (in.size() < maxInputs) {
            in.add("");
        }
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = node.getName().isEmpty() ? node.getOpType().toLowerCase() + "_" + index : node.getName();
        l.cell = cell;
        l.direction = direction(stringAttr(attrs, "direction", "forward"), where);
        int dirs = l.direction.count();
        int gates = cell.gates();

        String xName = in.get(0);
        if (xName.isEmpty()) {
            throw new ImportException(where + ": input X is missing");
        }
        Tensor w = weight(in.get(1), "W", where, true);
        Tensor r = weight(in.get(2), "R", where, true);
        if (w.rank() != 3 || w.dim(0) != dirs || w.dim(1) % gates != 0 || w.dim(1) == 0) {
            throw new ImportException(where + ": W has shape " + Tensor.format(w.shape()) + ", expected [" + dirs + ", " + gates + "*hidden_size, input_size]");
        }
        int hidden = w.dim(1) / gates;
        if (attrs.containsKey("hidden_size") && attrs.get("hidden_size").getI() != hidden) {
            throw new ImportException(where + ": hidden_size is " + attrs.get("hidden_size").getI() + " but W has "
                    + w.dim(1) + " rows (" + gates + " gates of " + hidden + ")");
        }
        l.hiddenSize = hidden;
        l.inputSize = w.dim(2);
        if (hidden > Limits.MAX_LAYER_WIDTH || l.inputSize > Limits.MAX_LAYER_WIDTH || l.inputSize == 0) {
            throw new ImportException(where + ": hidden size " + hidden + " or input size " + l.inputSize + " is outside [1, " + Limits.MAX_LAYER_WIDTH + "]");
        }
        requireShape(r, new int[] {dirs, gates * hidden, hidden}, "R", where);
        l.w = w.floats();
        l.r = r.floats();
        Tensor b = weight(in.get(3), "B", where, false);
        if (b != null) {
            requireShape(b, new int[] {dirs, 2 * gates * hidden}, "B", where);
            l.b = b.floats();
        }
        if (cell == CellType.LSTM) {
            Tensor p = weight(in.get(7), "P", where, false);
            if (p != null) {
                requireShape(p, new int[] {dirs, 3 * hidden}, "P", where);
                l.p = p.floats();
            }
        }

        l.layout = (int) intAttr(attrs, "layout", 0);
        if (l.layout != 0 && l.layout != 1) {
            throw new ImportException(where + ": layout " + l.layout + ", expected 0 or 1");
        }
        l.activations = OnnxActivations.resolve(cell, dirs, stringsAttr(attrs, "activations"),
                floatsAttr(attrs, "activation_alpha"), floatsAttr(attrs, "activation_beta"), where);
        if (attrs.containsKey("clip")) {
            float clip = attrs.get("clip").getF();
            if (!(clip > 0) || !Float.isFinite(clip)) {
                throw new ImportException(where + ": clip " + clip + " must be positive and finite");
            }
            l.hasClip = true;
            l.clip = clip;
        }
        l.inputForget = cell == CellType.LSTM && intAttr(attrs, "input_forget", 0) != 0;
        l.linearBeforeReset = cell == CellType.GRU && intAttr(attrs, "linear_before_reset", 0) != 0;

        Dim[] x = value(xName, where, "X");
        if (x.length != 3) {
            throw new ImportException(where + ": X has rank " + x.length + ", expected 3");
        }
        if (x[2].size >= 0 && x[2].size != l.inputSize) {
            throw new ImportException(where + ": X has " + x[2].size + " features but W expects input_size " + l.inputSize);
        }
        Dim seq = l.layout == 0 ? x[0] : x[1];
        Dim batch = l.layout == 0 ? x[1] : x[0];
        Dim d = new Dim(dirs, "");
        Dim h = new Dim(hidden, "");
        l.inputs.add(xName);
        l.inputs.add(stateInput(in.get(4), where, "sequence_lens", ElementType.INT32));
        l.inputs.add(stateInput(in.get(5), where, "initial_h", ElementType.FLOAT32));
        l.inputs.add(cell == CellType.LSTM ? stateInput(in.get(6), where, "initial_c", ElementType.FLOAT32) : "");
        while (!l.inputs.isEmpty() && l.inputs.get(l.inputs.size() - 1).isEmpty()) {
            l.inputs.remove(l.inputs.size() - 1);
        }

        int maxOutputs = cell == CellType.LSTM ? 3 : 2;
        if (node.getOutputCount() > maxOutputs) {
            throw new ImportException(where + ": " + node.getOutputCount() + " outputs, at most " + maxOutputs);
        }
        Dim[][] outShapes = {
            l.layout == 0 ? new Dim[] {seq, d, batch, h} : new Dim[] {batch, seq, d, h},
            l.layout == 0 ? new Dim[] {d, batch, h} : new Dim[] {batch, d, h},
            l.layout == 0 ? new Dim[] {d, batch, h} : new Dim[] {batch, d, h},
        };
        for (int k = 0; k < node.getOutputCount(); k++) {
            String out = node.getOutput(k);
            l.outputs.add(out);
            if (!out.isEmpty()) {
                if (shapes.containsKey(out) || initializers.containsKey(out) || frozen.containsKey(out)) {
                    throw new ImportException(where + ": output '" + out + "' is already defined");
                }
                shapes.put(out, outShapes[k]);
                produced.add(out);
            }
        }
        return l;
    }

    /** A weight input: an initializer or a frozen graph input, float. */
    private Tensor weight(String name, String role, String where, boolean required) throws ImportException {
        if (name.isEmpty()) {
            if (required) {
                throw new ImportException(where + ": input " + role + " is missing");
            }
            return null;
        }
        Tensor t = constant(name, where + ": " + role + " '" + name + "'");
        if (t == null) {
            if (graphInputs.containsKey(name)) {
                throw new ImportException(where + ": " + role + " '" + name + "' is a graph input, not a constant; freeze it with --const "
                        + name + "=FILE.npy");
            }
            throw new ImportException(where + ": " + role + " '" + name + "' is not defined in the graph");
        }
        if (t.type() != ElementType.FLOAT32) {
            throw new ImportException(where + ": " + role + " '" + name + "' is " + t.type().displayName() + ", expected float32");
        }
        return t;
    }

    private Tensor constant(String name, String what) throws ImportException {
        Tensor t = frozen.get(name);
        if (t != null) {
            return t;
        }
        TensorProto p = initializers.get(name);
        return p == null ? null : OnnxTensors.decode(p, what);
    }

    /** sequence_lens, initial_h or initial_c: a model input, or a constant carried into the model. */
    private String stateInput(String name, String where, String role, ElementType type) throws ImportException {
        if (name.isEmpty()) {
            return "";
        }
        Tensor c = constant(name, where + ": " + role + " '" + name + "'");
        if (c != null) {
            if (type == ElementType.INT32 && c.type() == ElementType.INT64) {
                c = narrow(c, where + ": " + role);
            }
            if (c.type() != type) {
                throw new ImportException(where + ": " + role + " '" + name + "' is " + c.type().displayName() + ", expected " + type.displayName());
            }
            ir.constants.putIfAbsent(name, c);
            return name;
        }
        value(name, where, role);
        TensorSpec spec = graphInputs.get(name);
        if (spec != null) {
            boolean integer = type == ElementType.INT32 && (spec.type() == ElementType.INT32 || spec.type() == ElementType.INT64);
            if (spec.type() != type && !integer) {
                throw new ImportException(where + ": " + role + " '" + name + "' is " + spec.type().displayName() + ", expected " + type.displayName());
            }
        }
        return name;
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

    /** The shape of a value the node reads: a graph input (which becomes a model input), or an earlier output. */
    private Dim[] value(String name, String where, String role) throws ImportException {
        Tensor c = frozen.get(name);
        if (c == null && initializers.containsKey(name)) {
            c = constant(name, where + ": " + role);
        }
        if (c != null) {
            ir.constants.putIfAbsent(name, c);
            Dim[] d = new Dim[c.rank()];
            for (int k = 0; k < d.length; k++) {
                d[k] = new Dim(c.dim(k), "");
            }
            return d;
        }
        Dim[] d = shapes.get(name);
        if (d == null) {
            throw new ImportException(where + ": " + role + " '" + name + "' is not defined before this node");
        }
        if (graphInputs.containsKey(name)) {
            usedInputs.add(name);
        }
        return d;
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

    private static TensorSpec spec(ValueInfoProto v, String what) throws ImportException {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            throw new ImportException(what + " is not a tensor");
        }
        TypeProto.Tensor tt = type.getTensorType();
        ElementType et;
        switch (tt.getElemType()) {
            case TensorProto.DataType.FLOAT_VALUE:
                et = ElementType.FLOAT32;
                break;
            case TensorProto.DataType.INT32_VALUE:
                et = ElementType.INT32;
                break;
            case TensorProto.DataType.INT64_VALUE:
                et = ElementType.INT64;
                break;
            default:
                et = null;
        }
        if (et == null) {
            throw new ImportException(what + " has element type " + OnnxTensors.dataTypeName(tt.getElemType())
                    + "; Sequin takes float32, int32 and int64 inputs");
        }
        if (!tt.hasShape()) {
            throw new ImportException(what + " has no shape; Sequin needs at least its rank");
        }
        int rank = tt.getShape().getDimCount();
        if (rank > Limits.MAX_RANK) {
            throw new ImportException(what + " has rank " + rank + ", more than " + Limits.MAX_RANK);
        }
        int[] shape = new int[rank];
        String[] names = new String[rank];
        for (int i = 0; i < rank; i++) {
            TensorShapeProto.Dimension d = tt.getShape().getDim(i);
            names[i] = d.getDimParam();
            if (d.hasDimValue() && d.getDimValue() > 0) {
                if (d.getDimValue() > Integer.MAX_VALUE) {
                    throw new ImportException(what + ": dimension " + i + " = " + d.getDimValue() + " is too large");
                }
                shape[i] = (int) d.getDimValue();
            } else {
                shape[i] = TensorSpec.DYNAMIC;
            }
        }
        return new TensorSpec(v.getName(), et, shape, names);
    }

    private static Dim[] dims(TensorSpec spec) {
        int[] shape = spec.shape();
        String[] names = spec.dimNames();
        Dim[] d = new Dim[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = new Dim(shape[i], names[i]);
        }
        return d;
    }

    private static String stringAttr(Map<String, AttributeProto> attrs, String name, String fallback) {
        AttributeProto a = attrs.get(name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    private static long intAttr(Map<String, AttributeProto> attrs, String name, long fallback) {
        AttributeProto a = attrs.get(name);
        return a == null ? fallback : a.getI();
    }

    private static List<String> stringsAttr(Map<String, AttributeProto> attrs, String name) {
        AttributeProto a = attrs.get(name);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (var s : a.getStringsList()) {
                out.add(s.toStringUtf8());
            }
        }
        return out;
    }

    private static List<Float> floatsAttr(Map<String, AttributeProto> attrs, String name) {
        AttributeProto a = attrs.get(name);
        return a == null ? List.of() : a.getFloatsList();
    }

    /** One dimension: its size (or -1 if dynamic) and its name ("" if none). */
    private static final class Dim {
        final int size;
        final String name;

        Dim(int size, String name) {
            this.size = size;
            this.name = name;
        }
    }
}
