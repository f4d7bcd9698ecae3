package io.sequin.importer.onnx;

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
import io.sequin.ir.IrActivationLayer;
import io.sequin.ir.IrConcatLayer;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
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
import java.util.Map;
import java.util.Set;

/**
 * Imports ONNX graphs (domain ai.onnx, opset 7 and later) built around LSTM, GRU and RNN nodes,
 * as ONNX's own operators and as {@code torch.onnx.export} writes them: the glue an exporter
 * emits (Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Slice, Squeeze, Transpose,
 * Reshape, Cast, Identity, Dropout) is folded away here, into constants, dynamic sizes, absent
 * (zero) initial states and the layouts the layers read and write; nothing of it runs in the
 * converted model. Embeddings (Gather on a constant table), linear layers (Gemm, or MatMul
 * followed by Add), elementwise activations and Softmax/LogSoftmax over the last axis become
 * Sequin layers. Anything else fails naming the node and its operator.
 *
 * <p>Gate order, activations and every recurrent attribute keep ONNX's meaning, which is the
 * meaning of Sequin's recurrent layer, so no weight is reordered here.
 */
public final class OnnxImporter {
    private static final Set<String> RECURRENT_OPS = Set.of("LSTM", "GRU", "RNN");
    private static final Set<String> ACTIVATION_OPS = Set.of("Relu", "Tanh", "Sigmoid", "LeakyRelu", "Elu", "Softsign",
            "Softplus", "HardSigmoid", "ThresholdedRelu");
    /** The canonical axes of a recurrent Y: S, D, B, H. */
    private static final int[][] Y_ONNX0 = {{0}, {1}, {2}, {3}};
    private static final int[][] Y_ONNX1 = {{2}, {0}, {1}, {3}};
    private static final int[][] Y_SEQ_BATCH = {{0}, {2}, {1, 3}};
    private static final int[][] Y_BATCH_SEQ = {{2}, {0}, {1, 3}};

    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorSpec> graphInputs = new LinkedHashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    /** How many node inputs and graph outputs read each value. */
    private final Map<String, Integer> uses = new HashMap<>();
    /** The dim_param names of the graph inputs: the names dynamic output axes keep. */
    private final Set<String> dimParams = new HashSet<>();
    private final Set<String> usedInputs = new LinkedHashSet<>();
    private final Set<String> layerNames = new HashSet<>();
    /** Every run-time tensor made, model inputs and layer outputs. */
    private final List<Source> sources = new ArrayList<>();
    private final IrModel ir = new IrModel();
    private long opset = 1;

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
            values.put(c.getKey(), Value.constant(value));
        }
        for (TensorSpec spec : graphInputs.values()) {
            for (String d : spec.dimNames()) {
                if (!d.isEmpty()) {
                    dimParams.add(d);
                }
            }
            if (!values.containsKey(spec.name())) {
                Sym[] dims = new Sym[spec.rank()];
                for (int i = 0; i < dims.length; i++) {
                    int size = spec.shape()[i];
                    String param = spec.dimNames()[i];
                    dims[i] = size >= 0 ? Sym.of(size) : Sym.symbol(param.isEmpty() ? spec.name() + "[" + i + "]" : param);
                }
                values.put(spec.name(), Value.of(new Source(spec.name(), dims, spec.type(), null, null)));
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (String in : node.getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfoProto output : graph.getOutputList()) {
            uses.merge(output.getName(), 1, Integer::sum);
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            OnnxNode node = new OnnxNode(graph.getNode(i), i);
            if (!node.proto.getDomain().isEmpty() && !node.proto.getDomain().equals("ai.onnx")) {
                throw node.error("operator domain '" + node.proto.getDomain() + "' is not supported; Sequin imports ai.onnx operators");
            }
            handle(node);
        }
        List<String> outputNames = new ArrayList<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            outputNames.add(output.getName());
        }
        for (String name : outputNames) {
            graphOutput(name);
        }
        if (ir.outputs.isEmpty()) {
            throw new ImportException("the ONNX graph has no outputs");
        }
        for (String name : graphInputs.keySet()) {
            if (usedInputs.contains(name)) {
                ir.inputs.add(graphInputs.get(name));
            }
        }
        for (Source s : sources) {
            if (s.producer != null && s.producer.outputs.contains(s.name)) {
                List<Sym> dims = physicalDims(s);
                ir.values.put(s.name, new TensorSpec(s.name, s.type, sizes(dims), names(dims)));
            }
        }
        return ir;
    }

    private void checkOpset(ModelProto model) throws ImportException {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                if (o.getVersion() < 7) {
                    throw new ImportException("opset " + o.getVersion() + " is not supported; Sequin imports opset 7 and later "
                            + "(re-export the model, or convert it with onnx.version_converter)");
                }
                opset = o.getVersion();
            }
        }
    }

    private void handle(OnnxNode node) throws ImportException {
        String op = node.op;
        if (RECURRENT_OPS.contains(op)) {
            recurrent(node);
            return;
        }
        if (ACTIVATION_OPS.contains(op)) {
            activation(node);
            return;
        }
        switch (op) {
            case "Constant":
                put(node, 0, Value.constant(constantNode(node)));
                break;
            case "Identity":
                put(node, 0, value(node, 0, "input"));
                break;
            case "Dropout":
                // Inference: the input passes through; the mask output, if read, cannot be folded.
                if (uses.getOrDefault(node.output(1), 0) > 0) {
                    throw node.error("the dropout mask is read; only inference graphs are supported");
                }
                put(node, 0, value(node, 0, "input"));
                break;
            case "Cast":
                cast(node);
                break;
            case "Shape":
                shape(node);
                break;
            case "Gather":
                gather(node);
                break;
            case "Unsqueeze":
            case "Squeeze":
                squeeze(node, op.equals("Unsqueeze"));
                break;
            case "Concat":
                concat(node);
                break;
            case "ConstantOfShape":
                constantOfShape(node);
                break;
            case "Slice":
                slice(node);
                break;
            case "Transpose":
                put(node, 0, Views.transpose(runtime(node, 0, "input"), node.intsAttr("perm"), node));
                break;
            case "Reshape":
                reshape(node);
                break;
            case "MatMul":
                matMul(node);
                break;
            case "Gemm":
                gemm(node);
                break;
            case "Add":
                add(node);
                break;
            case "Softmax":
            case "LogSoftmax":
                softmax(node);
                break;
            default:
                throw node.error("operator " + op + " is not supported; Sequin imports LSTM, GRU and RNN nodes, embeddings "
                        + "(Gather), linear layers (Gemm, MatMul + Add), activations, Softmax and LogSoftmax, and the "
                        + "shape glue exporters put around them");
        }
    }

    // ---- values

    private void put(OnnxNode node, int k, Value v) throws ImportException {
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
    private Value value(OnnxNode node, int k, String role) throws ImportException {
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
    private Value optional(OnnxNode node, int k, String role) throws ImportException {
        return node.input(k).isEmpty() ? null : value(node, k, role);
    }

    private Value runtime(OnnxNode node, int k, String role) throws ImportException {
        Value v = value(node, k, role);
        if (v.kind != Value.Kind.RUNTIME) {
            throw node.error(role + " '" + node.input(k) + "' is " + v + "; Sequin folds this operator only on tensors computed at run time");
        }
        return v;
    }

    private Tensor constant(OnnxNode node, int k, String role) throws ImportException {
        Value v = value(node, k, role);
        if (v.kind != Value.Kind.CONSTANT) {
            throw node.error(role + " '" + node.input(k) + "' must be a constant, but is " + v);
        }
        return v.constant;
    }

    /** An int64/int32 vector known now: a constant, or shape values that are all known. */
    private long[] knownInts(OnnxNode node, int k, String role) throws ImportException {
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
    private static List<Sym> ints(Value v, OnnxNode node, String role) throws ImportException {
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

    private static boolean isScalar(Value v) {
        return v.kind == Value.Kind.SHAPE ? v.scalar : v.kind == Value.Kind.CONSTANT && v.constant.rank() == 0;
    }

    // ---- glue

    private Tensor constantNode(OnnxNode node) throws ImportException {
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

    private void cast(OnnxNode node) throws ImportException {
        Value v = value(node, 0, "input");
        long to = node.intAttr("to", 0);
        boolean toInt = to == TensorProto.DataType.INT64_VALUE || to == TensorProto.DataType.INT32_VALUE;
        if (v.kind == Value.Kind.SHAPE && toInt) {
            put(node, 0, v);
        } else if (v.kind == Value.Kind.CONSTANT && toInt && v.constant.type() != ElementType.FLOAT32) {
            put(node, 0, Value.shape(ints(v, node, "input"), v.constant.rank() == 0));
        } else if (v.kind == Value.Kind.RUNTIME && to == elementCode(v.source.type)) {
            put(node, 0, v);
        } else if (v.kind == Value.Kind.ZEROS && to == TensorProto.DataType.FLOAT_VALUE) {
            put(node, 0, v);
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

    private void shape(OnnxNode node) throws ImportException {
        Value v = value(node, 0, "input");
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
        put(node, 0, Value.shape(dims.subList(start, Math.max(start, end)), false));
    }

    private static long clampAxis(long a, int rank) {
        long axis = a < 0 ? a + rank : a;
        return Math.max(0, Math.min(rank, axis));
    }

    private void gather(OnnxNode node) throws ImportException {
        Value data = value(node, 0, "data");
        Value indices = value(node, 1, "indices");
        long axis = node.intAttr("axis", 0);
        if (data.kind == Value.Kind.SHAPE && indices.kind == Value.Kind.CONSTANT) {
            List<Sym> from = data.sizes;
            List<Sym> picked = new ArrayList<>();
            for (Sym i : ints(indices, node, "indices")) {
                long k = i.value < 0 ? i.value + from.size() : i.value;
                if (k < 0 || k >= from.size()) {
                    throw node.error("index " + i + " is outside the " + from.size() + " shape values");
                }
                picked.add(from.get((int) k));
            }
            put(node, 0, Value.shape(picked, isScalar(indices)));
            return;
        }
        if (data.kind == Value.Kind.CONSTANT && indices.kind == Value.Kind.RUNTIME && axis == 0) {
            embedding(node, data.constant, indices);
            return;
        }
        throw node.error("Gather of " + data + " at " + indices + " (axis " + axis + ") is not supported; Sequin folds "
                + "Gather on shape values and imports Gather on a constant table along axis 0 as an embedding");
    }

    private void squeeze(OnnxNode node, boolean unsqueeze) throws ImportException {
        Value v = value(node, 0, "input");
        long[] axes = opset >= 13 ? (node.input(1).isEmpty() ? null : knownInts(node, 1, "axes")) : node.intsAttr("axes");
        if (unsqueeze && axes == null) {
            throw node.error("axes are missing");
        }
        switch (v.kind) {
            case RUNTIME:
                put(node, 0, unsqueeze ? Views.unsqueeze(v, axes, node) : Views.squeeze(v, axes, node));
                return;
            case SHAPE:
            case CONSTANT: {
                List<Sym> elements = ints(v, node, "input");
                int rank = isScalar(v) ? 0 : 1;
                if (unsqueeze && rank == 0 && axes.length == 1 && Views.axis(axes[0], 1, node) == 0) {
                    put(node, 0, Value.shape(elements, false));
                    return;
                }
                if (!unsqueeze && rank == 1 && elements.size() == 1 && (axes == null || (axes.length == 1 && Views.axis(axes[0], 1, node) == 0))) {
                    put(node, 0, Value.shape(elements, true));
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
                put(node, 0, Value.zeros(shape));
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

    private void concat(OnnxNode node) throws ImportException {
        List<Value> parts = new ArrayList<>();
        boolean allInts = true;
        boolean anyRuntime = false;
        for (int k = 0; k < node.inputCount(); k++) {
            Value v = value(node, k, "input " + k);
            parts.add(v);
            allInts &= v.kind == Value.Kind.SHAPE || (v.kind == Value.Kind.CONSTANT && v.constant.type() != ElementType.FLOAT32
                    && v.constant.rank() == 1);
            anyRuntime |= v.kind == Value.Kind.RUNTIME;
        }
        if (allInts) {
            List<Sym> joined = new ArrayList<>();
            for (Value v : parts) {
                joined.addAll(ints(v, node, "input"));
            }
            put(node, 0, Value.shape(joined, false));
            return;
        }
        if (!anyRuntime) {
            throw node.error("Concat of constants other than integer vectors is not supported");
        }
        long axis = node.intAttr("axis", 0);
        IrConcatLayer layer = new IrConcatLayer();
        layer.name = layerName(node, "concat");
        layer.axis = (int) axis;
        Sym[] dims = null;
        int rank = parts.get(0).rank();
        int a = Views.axis(axis, rank, node);
        for (int k = 0; k < parts.size(); k++) {
            Value v = parts.get(k);
            if (v.kind != Value.Kind.RUNTIME || v.source.type != ElementType.FLOAT32) {
                throw node.error("input " + k + " is " + v + "; Sequin joins float tensors computed at run time");
            }
            List<Sym> d = v.dims();
            if (d.size() != rank) {
                throw node.error("input " + k + " has rank " + d.size() + ", not " + rank);
            }
            if (dims == null) {
                dims = d.toArray(new Sym[0]);
            } else {
                if (!dims[a].known() || !d.get(a).known()) {
                    throw node.error("the joined axis " + axis + " must have known sizes");
                }
                dims[a] = Sym.of(dims[a].value + d.get(a).value);
            }
            layer.inputs.add(materialize(v, node, "input " + k));
        }
        addLayer(node, layer, 0, dims, ElementType.FLOAT32);
    }

    private void constantOfShape(OnnxNode node) throws ImportException {
        List<Sym> shape = ints(value(node, 0, "shape"), node, "shape");
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
        put(node, 0, Value.zeros(shape));
    }

    private void slice(OnnxNode node) throws ImportException {
        Value v = value(node, 0, "data");
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset < 10) {
            starts = node.intsAttr("starts");
            ends = node.intsAttr("ends");
            axes = node.intsAttr("axes");
        } else {
            starts = knownInts(node, 1, "starts");
            ends = knownInts(node, 2, "ends");
            axes = node.input(3).isEmpty() ? null : knownInts(node, 3, "axes");
            steps = node.input(4).isEmpty() ? null : knownInts(node, 4, "steps");
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
        int slicedAxis = -1;
        long from = 0;
        long to = 0;
        for (int i = 0; i < starts.length; i++) {
            int a = Views.axis(axes == null ? i : axes[i], dims.size(), node);
            Sym size = dims.get(a);
            boolean all = starts[i] == 0 && ends[i] >= Integer.MAX_VALUE;
            if (all) {
                continue;
            }
            if (!size.known()) {
                throw node.error("slicing axis " + a + " of run-time size " + size + " is not supported");
            }
            long s = clampIndex(starts[i], size.value);
            long e = clampIndex(ends[i], size.value);
            if (slicedAxis >= 0) {
                throw node.error("slicing more than one axis is not supported");
            }
            slicedAxis = a;
            from = s;
            to = Math.max(s, e);
            out.set(a, Sym.of(to - from));
        }
        switch (v.kind) {
            case ZEROS:
                put(node, 0, Value.zeros(out));
                return;
            case SHAPE:
                put(node, 0, Value.shape(slicedAxis < 0 ? v.sizes : v.sizes.subList((int) from, (int) to), false));
                return;
            default:
                if (slicedAxis < 0) {
                    put(node, 0, v);
                    return;
                }
                // A slice of the source's axis 0 seen whole: the rows of a stack's states.
                if (v.sliceCount >= 0 || v.groups[slicedAxis].length != 1 || v.groups[slicedAxis][0] != 0 || slicedAxis != 0) {
                    throw node.error("only a slice of a tensor's first axis is folded (a stack's initial states), not of "
                            + "axis " + slicedAxis + " of " + v);
                }
                put(node, 0, v.withSlice((int) from, (int) (to - from)));
        }
    }

    private static long clampIndex(long i, long size) {
        long k = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, k));
    }

    private void reshape(OnnxNode node) throws ImportException {
        Value v = value(node, 0, "data");
        List<Sym> target = ints(value(node, 1, "shape"), node, "shape");
        boolean allowZero = node.intAttr("allowzero", 0) != 0;
        if (v.kind == Value.Kind.RUNTIME) {
            put(node, 0, Views.reshape(v, target, allowZero, node));
            return;
        }
        throw node.error("Reshape of " + v + " is not supported");
    }

    // ---- layers

    private String layerName(OnnxNode node, String fallback) {
        String base = node.proto.getName().isEmpty() ? fallback + "_" + node.index : node.proto.getName();
        String name = base;
        for (int i = 1; !layerNames.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** Adds a layer whose output k is {@code node}'s output k, a tensor of {@code dims}. */
    private Source addLayer(OnnxNode node, IrLayer layer, int k, Sym[] dims, ElementType type) throws ImportException {
        ir.layers.add(layer);
        String out = node.output(k);
        while (layer.outputs.size() <= k) {
            layer.outputs.add("");
        }
        layer.outputs.set(k, out);
        Source s = new Source(out, dims, type, layer, null);
        sources.add(s);
        put(node, k, Value.of(s));
        return s;
    }

    private void embedding(OnnxNode node, Tensor table, Value indices) throws ImportException {
        if (table.type() != ElementType.FLOAT32 || table.rank() != 2 || table.dim(0) < 1 || table.dim(1) < 1) {
            throw node.error("an embedding table must be a float matrix [vocabulary, size], not " + table);
        }
        if (indices.source.type == ElementType.FLOAT32) {
            throw node.error("embedding indices must be int32 or int64");
        }
        IrEmbeddingLayer layer = new IrEmbeddingLayer();
        layer.name = layerName(node, "embedding");
        layer.vocabulary = table.dim(0);
        layer.size = table.dim(1);
        layer.table = table.floats();
        layer.inputs.add(materialize(indices, node, "indices"));
        List<Sym> dims = new ArrayList<>(indices.dims());
        dims.add(Sym.of(layer.size));
        addLayer(node, layer, 0, dims.toArray(new Sym[0]), ElementType.FLOAT32);
    }

    private void matMul(OnnxNode node) throws ImportException {
        Value a = value(node, 0, "A");
        Value b = value(node, 1, "B");
        if (a.kind != Value.Kind.RUNTIME || b.kind != Value.Kind.CONSTANT || b.constant.rank() != 2
                || b.constant.type() != ElementType.FLOAT32) {
            throw node.error("MatMul of " + a + " by " + b + " is not supported; Sequin imports a run-time tensor times a "
                    + "constant float matrix as a linear layer");
        }
        int k = b.constant.dim(0);
        int n = b.constant.dim(1);
        dense(node, a, k, n, transpose(b.constant.floats(), k, n), null, 1f);
    }

    private void gemm(OnnxNode node) throws ImportException {
        Value a = value(node, 0, "A");
        Tensor b = constant(node, 1, "B");
        Value c = optional(node, 2, "C");
        float alpha = node.floatAttr("alpha", 1f);
        float beta = node.floatAttr("beta", 1f);
        if (a.kind != Value.Kind.RUNTIME || a.rank() != 2 || node.intAttr("transA", 0) != 0 || b.rank() != 2
                || b.type() != ElementType.FLOAT32) {
            throw node.error("Gemm is imported as a linear layer when A is a run-time matrix (not transposed) and B a "
                    + "constant float matrix");
        }
        boolean transB = node.intAttr("transB", 0) != 0;
        int k = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        float[] w = transB ? b.floats().clone() : transpose(b.floats(), k, n);
        float[] bias = null;
        if (c != null) {
            if (c.kind != Value.Kind.CONSTANT) {
                throw node.error("C must be a constant");
            }
            bias = biasOf(c.constant, n, node);
            for (int i = 0; i < n; i++) {
                bias[i] *= beta;
            }
        }
        dense(node, a, k, n, w, bias, alpha);
    }

    private void dense(OnnxNode node, Value x, int k, int n, float[] w, float[] bias, float alpha) throws ImportException {
        List<Sym> dims = x.dims();
        if (dims.isEmpty() || !dims.get(dims.size() - 1).equals(Sym.of(k))) {
            throw node.error("input " + x + " does not end in " + k + " features");
        }
        if (k > Limits.MAX_LAYER_WIDTH || n > Limits.MAX_LAYER_WIDTH) {
            throw node.error("a " + k + "x" + n + " linear layer exceeds the width limit " + Limits.MAX_LAYER_WIDTH);
        }
        if (alpha != 1f) {
            for (int i = 0; i < w.length; i++) {
                w[i] *= alpha;
            }
        }
        IrDenseLayer layer = new IrDenseLayer();
        layer.name = layerName(node, "dense");
        layer.units = n;
        layer.inputSize = k;
        layer.w = w;
        layer.b = bias;
        layer.inputs.add(materialize(x, node, "input"));
        dims.set(dims.size() - 1, Sym.of(n));
        addLayer(node, layer, 0, dims.toArray(new Sym[0]), ElementType.FLOAT32);
    }

    /** Add: a constant bias after a linear layer, folded into it. */
    private void add(OnnxNode node) throws ImportException {
        Value a = value(node, 0, "A");
        Value b = value(node, 1, "B");
        Value x = a.kind == Value.Kind.RUNTIME ? a : b;
        Value c = x == a ? b : a;
        if (x.kind == Value.Kind.RUNTIME && c.kind == Value.Kind.CONSTANT && x.isWholeSource()
                && x.source.producer instanceof IrDenseLayer && uses.getOrDefault(x.source.name, 0) == 1) {
            IrDenseLayer dense = (IrDenseLayer) x.source.producer;
            if (dense.activation == null && c.constant.type() == ElementType.FLOAT32) {
                float[] bias = biasOf(c.constant, dense.units, node);
                if (dense.b == null) {
                    dense.b = bias;
                } else {
                    for (int i = 0; i < bias.length; i++) {
                        dense.b[i] += bias[i];
                    }
                }
                rename(x.source, node.output(0));
                put(node, 0, x);
                return;
            }
        }
        throw node.error("Add of " + a + " and " + b + " is not supported; Sequin folds a constant bias added to a linear "
                + "layer's output");
    }

    /** A bias of n floats from a constant that broadcasts along the last axis ([n], [1, n], ...). */
    private static float[] biasOf(Tensor c, int n, OnnxNode node) throws ImportException {
        int[] shape = c.shape();
        boolean fits = c.type() == ElementType.FLOAT32 && c.size() == n && (shape.length == 0 ? n == 1 : shape[shape.length - 1] == n);
        if (!fits) {
            throw node.error("bias " + c + " does not broadcast as " + n + " values along the last axis");
        }
        return c.floats().clone();
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    private void activation(OnnxNode node) throws ImportException {
        Value x = runtime(node, 0, "input");
        ActivationFunction f = ActivationFunction.fromOnnxName(node.op);
        float alpha;
        float beta = 0;
        switch (f) {
            case LEAKY_RELU:
                alpha = node.floatAttr("alpha", 0.01f);
                break;
            case ELU:
                alpha = node.floatAttr("alpha", 1f);
                break;
            case THRESHOLDED_RELU:
                alpha = node.floatAttr("alpha", 1f);
                break;
            case HARD_SIGMOID:
                alpha = node.floatAttr("alpha", 0.2f);
                beta = node.floatAttr("beta", 0.5f);
                break;
            default:
                alpha = 0;
        }
        Activation act = new Activation(f, alpha, beta);
        if (x.isWholeSource() && x.source.producer instanceof IrDenseLayer && uses.getOrDefault(x.source.name, 0) == 1
                && ((IrDenseLayer) x.source.producer).activation == null) {
            ((IrDenseLayer) x.source.producer).activation = act;
            rename(x.source, node.output(0));
            put(node, 0, x);
            return;
        }
        IrActivationLayer layer = new IrActivationLayer();
        layer.name = layerName(node, node.op.toLowerCase(java.util.Locale.ROOT));
        layer.activation = act;
        layer.inputs.add(materialize(x, node, "input"));
        addLayer(node, layer, 0, x.dims().toArray(new Sym[0]), ElementType.FLOAT32);
    }

    private void softmax(OnnxNode node) throws ImportException {
        Value x = runtime(node, 0, "input");
        int rank = x.rank();
        long axis = node.intAttr("axis", opset >= 13 ? -1 : 1);
        int a = Views.axis(axis, rank, node);
        // Before opset 13 the input is flattened to 2-D at the axis; that equals the last axis only there.
        if (a != rank - 1) {
            throw node.error("softmax over axis " + axis + " of a rank-" + rank + " tensor is not supported; Sequin computes it "
                    + "over the last axis");
        }
        IrSoftmaxLayer layer = new IrSoftmaxLayer();
        layer.name = layerName(node, node.op.toLowerCase(java.util.Locale.ROOT));
        layer.log = node.op.equals("LogSoftmax");
        layer.inputs.add(materialize(x, node, "input"));
        addLayer(node, layer, 0, x.dims().toArray(new Sym[0]), ElementType.FLOAT32);
    }

    private void recurrent(OnnxNode node) throws ImportException {
        String where = node.where;
        CellType cell = CellType.valueOf(node.op);
        int maxInputs = cell == CellType.LSTM ? 8 : 6;
        if (node.inputCount() > maxInputs) {
            throw node.error(node.inputCount() + " inputs, at most " + maxInputs);
        }
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = layerName(node, node.op.toLowerCase(java.util.Locale.ROOT));
        l.cell = cell;
        l.direction = direction(node.stringAttr("direction", "forward"), where);
        int dirs = l.direction.count();
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
        l.hiddenSize = hidden;
        l.inputSize = w.dim(2);
        if (hidden > Limits.MAX_LAYER_WIDTH || l.inputSize > Limits.MAX_LAYER_WIDTH || l.inputSize == 0) {
            throw node.error("hidden size " + hidden + " or input size " + l.inputSize + " is outside [1, " + Limits.MAX_LAYER_WIDTH + "]");
        }
        requireShape(r, new int[] {dirs, gates * hidden, hidden}, "R", where);
        l.w = w.floats();
        l.r = r.floats();
        Tensor b = weight(node, 3, "B", false);
        if (b != null) {
            requireShape(b, new int[] {dirs, 2 * gates * hidden}, "B", where);
            l.b = b.floats();
        }
        if (cell == CellType.LSTM) {
            Tensor p = weight(node, 7, "P", false);
            if (p != null) {
                requireShape(p, new int[] {dirs, 3 * hidden}, "P", where);
                l.p = p.floats();
            }
        }
        l.layout = (int) node.intAttr("layout", 0);
        if (l.layout != 0 && l.layout != 1) {
            throw node.error("layout " + l.layout + ", expected 0 or 1");
        }
        l.activations = OnnxActivations.resolve(cell, dirs, node.stringsAttr("activations"),
                node.floatsAttr("activation_alpha"), node.floatsAttr("activation_beta"), where);
        if (node.has("clip")) {
            float clip = node.floatAttr("clip", 0);
            if (!(clip > 0) || !Float.isFinite(clip)) {
                throw node.error("clip " + clip + " must be positive and finite");
            }
            l.hasClip = true;
            l.clip = clip;
        }
        l.inputForget = cell == CellType.LSTM && node.intAttr("input_forget", 0) != 0;
        l.linearBeforeReset = cell == CellType.GRU && node.intAttr("linear_before_reset", 0) != 0;

        // X: the tensor itself, or a transpose of one with the batch first (a folded Transpose).
        Value x = value(node, 0, "X");
        if (x.kind == Value.Kind.CONSTANT) {
            ir.constants.putIfAbsent(node.input(0), x.constant);
            x = Value.of(new Source(node.input(0), syms(x.constant.shape()), x.constant.type(), null, null));
        }
        if (x.kind != Value.Kind.RUNTIME || x.rank() != 3) {
            throw node.error("X is " + x + ", expected a rank-3 tensor");
        }
        List<Sym> xd = x.dims();
        if (!xd.get(2).equals(Sym.of(l.inputSize)) && xd.get(2).known()) {
            throw node.error("X has " + xd.get(2) + " features but W expects input_size " + l.inputSize);
        }
        Sym seq = l.layout == 0 ? xd.get(0) : xd.get(1);
        Sym batch = l.layout == 0 ? xd.get(1) : xd.get(0);
        String xName = materializeOrNull(x, node);
        boolean swapped = false;
        if (xName == null) {
            xName = materializeOrNull(Views.transpose(x, new long[] {1, 0, 2}, node), node);
            swapped = true;
        }
        if (xName == null) {
            throw node.error("X is " + describeView(x) + ", which Sequin cannot read as a sequence");
        }
        l.xBatchFirst = (l.layout == 1) != swapped;
        l.inputs.add(xName);
        l.inputs.add(sequenceLengths(node));
        StateRows h = state(node, 5, "initial_h", dirs, hidden, batch);
        StateRows c = cell == CellType.LSTM ? state(node, 6, "initial_c", dirs, hidden, batch) : StateRows.ABSENT;
        if (!h.name.isEmpty() && !c.name.isEmpty() && (h.offset != c.offset || h.rows != c.rows)) {
            throw node.error("initial_h and initial_c are read at different rows of their tensors");
        }
        StateRows rows = h.name.isEmpty() ? c : h;
        l.stateOffset = rows.offset;
        l.stateRows = rows.rows;
        l.inputs.add(h.name);
        l.inputs.add(c.name);
        while (!l.inputs.isEmpty() && l.inputs.get(l.inputs.size() - 1).isEmpty()) {
            l.inputs.remove(l.inputs.size() - 1);
        }

        int maxOutputs = cell == CellType.LSTM ? 3 : 2;
        if (node.outputCount() > maxOutputs) {
            throw node.error(node.outputCount() + " outputs, at most " + maxOutputs);
        }
        ir.layers.add(l);
        Sym d = Sym.of(dirs);
        Sym hs = Sym.of(hidden);
        for (int k = 0; k < node.outputCount(); k++) {
            String out = node.output(k);
            // An output nothing reads is not computed.
            l.outputs.add(out.isEmpty() || uses.getOrDefault(out, 0) == 0 ? "" : out);
            if (out.isEmpty()) {
                continue;
            }
            Source s;
            if (k == 0) {
                s = new Source(out, new Sym[] {seq, d, batch, hs}, ElementType.FLOAT32, l, l);
                put(node, 0, Value.of(s).withGroups(l.layout == 0 ? Y_ONNX0 : Y_ONNX1));
            } else {
                Sym[] dims = l.layout == 0 ? new Sym[] {d, batch, hs} : new Sym[] {batch, d, hs};
                s = new Source(out, dims, ElementType.FLOAT32, l, null);
                put(node, k, Value.of(s));
            }
            sources.add(s);
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
        Value v = value(node, k, role);
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
                ir.constants.putIfAbsent(node.input(k), c);
                return new StateRows(node.input(k), 0, 0);
            }
            case RUNTIME: {
                if (v.source.type != ElementType.FLOAT32 || v.rank() != 3) {
                    throw node.error(role + " is " + v + ", expected a float tensor [directions, batch, hidden]");
                }
                if (v.sliceCount < 0) {
                    return new StateRows(materialize(v, node, role), 0, 0);
                }
                Value whole = v.withSlice(0, -1);
                String name = materializeOrNull(whole, node);
                Sym rows = v.source.dims[0];
                if (name == null || !rows.known() || v.sliceCount != dirs) {
                    throw node.error(role + " is " + describeView(v) + ", which Sequin cannot read as this layer's states");
                }
                return new StateRows(name, v.sliceStart, (int) rows.value);
            }
            default:
                throw node.error(role + " is " + v + ", expected a float tensor");
        }
    }

    private String sequenceLengths(OnnxNode node) throws ImportException {
        if (node.input(4).isEmpty()) {
            return "";
        }
        Value v = value(node, 4, "sequence_lens");
        if (v.kind == Value.Kind.CONSTANT) {
            Tensor c = v.constant;
            if (c.type() == ElementType.INT64) {
                c = narrow(c, node.where + ": sequence_lens");
            }
            if (c.type() != ElementType.INT32) {
                throw node.error("sequence_lens '" + node.input(4) + "' is " + c.type().displayName() + ", expected int32");
            }
            ir.constants.putIfAbsent(node.input(4), c);
            return node.input(4);
        }
        if (v.kind != Value.Kind.RUNTIME || v.source.type == ElementType.FLOAT32) {
            throw node.error("sequence_lens '" + node.input(4) + "' is " + v + ", expected int32");
        }
        return materialize(v, node, "sequence_lens");
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
    private Tensor weight(OnnxNode node, int k, String role, boolean required) throws ImportException {
        String name = node.input(k);
        if (name.isEmpty()) {
            if (required) {
                throw node.error("input " + role + " is missing");
            }
            return null;
        }
        Value v = values.get(name);
        Tensor t;
        if (v != null && v.kind == Value.Kind.CONSTANT) {
            t = v.constant;
        } else if (v == null && initializers.containsKey(name)) {
            t = constant(node, k, role);
        } else if (graphInputs.containsKey(name)) {
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

    // ---- materializing views

    /** The name of a tensor that is exactly value v, or an error naming the node. */
    private String materialize(Value v, OnnxNode node, String role) throws ImportException {
        String name = v.kind == Value.Kind.RUNTIME ? materializeOrNull(v, node) : null;
        if (name == null) {
            throw new ImportException((node == null ? "" : node.where + ": ") + role + " is " + describeView(v)
                    + ", which Sequin cannot fold into the layers around it");
        }
        return name;
    }

    /**
     * The source's name when v is the whole source as it is laid out, fixing a recurrent Y's
     * layout to the view when that is one the layer can write; null when it cannot be.
     */
    private String materializeOrNull(Value v, OnnxNode node) throws ImportException {
        if (v.kind != Value.Kind.RUNTIME || v.sliceCount >= 0) {
            return null;
        }
        Source s = v.source;
        if (s.recurrentY == null) {
            if (!v.isWholeSource()) {
                return null;
            }
            if (s.producer == null) {
                usedInputs.add(s.name);
            }
            return s.name;
        }
        IrRecurrentLayer l = s.recurrentY;
        YLayout form = null;
        if (Value.sameGroups(v.groups, l.layout == 0 ? Y_ONNX0 : Y_ONNX1, s)) {
            form = YLayout.ONNX;
        } else if (Value.sameGroups(v.groups, Y_SEQ_BATCH, s)) {
            form = YLayout.SEQ_BATCH;
        } else if (Value.sameGroups(v.groups, Y_BATCH_SEQ, s)) {
            form = YLayout.BATCH_SEQ;
        }
        if (form == null) {
            return null;
        }
        if (s.fixed && l.yLayout != form) {
            throw new ImportException((node == null ? "" : node.where + ": ") + "Y of layer '" + l.name + "' is read as "
                    + l.yLayout.name().toLowerCase(java.util.Locale.ROOT) + " and as " + form.name().toLowerCase(java.util.Locale.ROOT)
                    + "; Sequin writes one layout");
        }
        l.yLayout = form;
        s.fixed = true;
        return s.name;
    }

    private static String describeView(Value v) {
        if (v.kind != Value.Kind.RUNTIME) {
            return v.toString();
        }
        return "a view " + Arrays.deepToString(v.groups) + (v.sliceCount >= 0 ? " (rows " + v.sliceStart + ".." + (v.sliceStart
                + v.sliceCount - 1) + ")" : "") + " of tensor '" + v.source.name + "' " + Arrays.toString(v.source.dims);
    }

    private void rename(Source s, String name) throws ImportException {
        if (s.name.equals(name)) {
            return;
        }
        for (IrLayer l : ir.layers) {
            l.outputs.replaceAll(n -> n.equals(s.name) ? name : n);
            l.inputs.replaceAll(n -> n.equals(s.name) ? name : n);
        }
        s.name = name;
    }

    private void graphOutput(String name) throws ImportException {
        Value v = values.get(name);
        if (v == null) {
            throw new ImportException("graph output '" + name + "' is not computed by any node");
        }
        if (v.kind != Value.Kind.RUNTIME || v.source.producer == null) {
            throw new ImportException("graph output '" + name + "' is " + v + ", not something the model computes");
        }
        String physical = materialize(v, null, "graph output '" + name + "'");
        if (!physical.equals(name)) {
            for (TensorSpec o : ir.outputs) {
                if (o.name().equals(physical)) {
                    throw new ImportException("graph outputs '" + physical + "' and '" + name + "' are the same tensor");
                }
            }
            rename(v.source, name);
        }
        List<Sym> dims = v.dims();
        ir.outputs.add(new TensorSpec(name, ElementType.FLOAT32, sizes(dims), names(dims)));
    }

    /** The shape a layer writes a source in, now that every layout is fixed. */
    private static List<Sym> physicalDims(Source s) {
        IrRecurrentLayer l = s.recurrentY;
        if (l == null) {
            return Arrays.asList(s.dims);
        }
        Sym seq = s.dims[0];
        Sym d = s.dims[1];
        Sym batch = s.dims[2];
        Sym h = s.dims[3];
        switch (l.yLayout) {
            case SEQ_BATCH:
                return List.of(seq, batch, d.times(h));
            case BATCH_SEQ:
                return List.of(batch, seq, d.times(h));
            default:
                return l.layout == 0 ? List.of(seq, d, batch, h) : List.of(batch, seq, d, h);
        }
    }

    private int[] sizes(List<Sym> dims) {
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            Sym s = dims.get(i);
            out[i] = s.known() && s.value <= Integer.MAX_VALUE ? (int) s.value : TensorSpec.DYNAMIC;
        }
        return out;
    }

    private String[] names(List<Sym> dims) {
        String[] out = new String[dims.size()];
        for (int i = 0; i < out.length; i++) {
            Sym s = dims.get(i);
            out[i] = !s.known() && dimParams.contains(s.symbol) ? s.symbol : "";
        }
        return out;
    }

    private static Sym[] syms(int[] shape) {
        Sym[] out = new Sym[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Sym.of(shape[i]);
        }
        return out;
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
}
