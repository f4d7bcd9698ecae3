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
import io.sequin.ir.IrModel;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /** What {@link #handle} reads besides the recurrent and activation operators. */
    private static final Set<String> OTHER_OPS = Set.of("Constant", "Identity", "Dropout", "Cast", "Shape", "Gather", "Unsqueeze",
            "Squeeze", "Concat", "ConstantOfShape", "Slice", "Transpose", "Reshape", "Flatten", "Expand", "Mul", "Less", "And",
            "Loop", "MatMul", "Gemm", "Add", "Softmax", "LogSoftmax");
    private static final String WHAT_CONVERTS = "Sequin imports LSTM, GRU and RNN nodes, embeddings (Gather), linear layers "
            + "(Gemm, MatMul + Add), activations, Softmax and LogSoftmax, and the shape glue exporters put around them";

    private final ImportContext cx = new ImportContext();
    private final GlueNodes glue = new GlueNodes(cx);
    private final LayerNodes layers = new LayerNodes(cx);
    private final RecurrentNodes recurrent = new RecurrentNodes(cx);
    private final LoopNodes loops = new LoopNodes(cx, recurrent);

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
        cx.ir.sourceFormat = "onnx";
        checkOpset(model);
        GraphProto graph = model.getGraph();
        if (graph.getNodeCount() == 0) {
            throw new ImportException("the ONNX graph has no nodes");
        }
        if (graph.getNodeCount() > Limits.MAX_COUNT) {
            throw new ImportException("the ONNX graph has " + graph.getNodeCount() + " nodes, more than " + Limits.MAX_COUNT);
        }
        for (TensorProto t : graph.getInitializerList()) {
            cx.initializers.put(t.getName(), t);
        }
        for (ValueInfoProto input : graph.getInputList()) {
            if (!cx.initializers.containsKey(input.getName())) {
                cx.graphInputs.put(input.getName(), spec(input, "graph input '" + input.getName() + "'"));
            }
        }
        for (Map.Entry<String, Tensor> c : constants.entrySet()) {
            TensorSpec spec = cx.graphInputs.get(c.getKey());
            if (spec == null) {
                throw new ImportException("--const " + c.getKey() + ": the model has no graph input of that name; its inputs are "
                        + cx.graphInputs.keySet());
            }
            Tensor value = c.getValue();
            if (!spec.accepts(value.shape())) {
                throw new ImportException("--const " + c.getKey() + ": shape " + Tensor.format(value.shape())
                        + " does not fit the input's declared shape " + spec.shapeString());
            }
            cx.values.put(c.getKey(), Value.constant(value));
        }
        for (TensorSpec spec : cx.graphInputs.values()) {
            for (String d : spec.dimNames()) {
                if (!d.isEmpty()) {
                    cx.dimParams.add(d);
                }
            }
            if (!cx.values.containsKey(spec.name())) {
                Sym[] dims = new Sym[spec.rank()];
                for (int i = 0; i < dims.length; i++) {
                    int size = spec.shape()[i];
                    String param = spec.dimNames()[i];
                    dims[i] = size >= 0 ? Sym.of(size) : Sym.symbol(param.isEmpty() ? spec.name() + "[" + i + "]" : param);
                }
                cx.values.put(spec.name(), Value.of(new Source(spec.name(), dims, spec.type(), null, null)));
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (String in : node.getInputList()) {
                cx.uses.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfoProto output : graph.getOutputList()) {
            cx.uses.merge(output.getName(), 1, Integer::sum);
        }
        refuseUnsupportedOperators(graph);
        for (int i = 0; i < graph.getNodeCount(); i++) {
            handle(new OnnxNode(graph.getNode(i), i));
        }
        List<String> outputNames = new ArrayList<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            if (outputNames.contains(output.getName())) {
                throw new ImportException("graph output '" + output.getName() + "' is listed twice");
            }
            outputNames.add(output.getName());
        }
        for (String name : outputNames) {
            graphOutput(name);
        }
        if (cx.ir.outputs.isEmpty()) {
            throw new ImportException("the ONNX graph has no outputs");
        }
        for (String name : cx.graphInputs.keySet()) {
            if (cx.usedInputs.contains(name)) {
                cx.ir.inputs.add(cx.graphInputs.get(name));
            }
        }
        return cx.ir;
    }

    private void checkOpset(ModelProto model) throws ImportException {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                if (o.getVersion() < 7) {
                    throw new ImportException("opset " + o.getVersion() + " is not supported; Sequin imports opset 7 and later "
                            + "(re-export the model, or convert it with onnx.version_converter)");
                }
                cx.opset = o.getVersion();
            }
        }
    }

    /**
     * Names every operator the graph uses that no handler reads, at once (type, count, first
     * node), rather than the first one met: a user learns the whole gap from one run.
     */
    private static void refuseUnsupportedOperators(GraphProto graph) throws ImportException {
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, String> first = new LinkedHashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            String domain = node.getDomain();
            boolean onnx = domain.isEmpty() || domain.equals("ai.onnx");
            String op = node.getOpType();
            if (onnx && (RECURRENT_OPS.contains(op) || ACTIVATION_OPS.contains(op) || OTHER_OPS.contains(op))) {
                continue;
            }
            String key = onnx ? op : domain + "." + op;
            counts.computeIfAbsent(key, k -> new int[1])[0]++;
            first.putIfAbsent(key, node.getName());
        }
        if (counts.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int n = e.getValue()[0];
            parts.add(e.getKey() + " (" + n + (n == 1 ? " node" : " nodes") + ", first '" + first.get(e.getKey()) + "')");
        }
        throw new ImportException("the graph uses " + (parts.size() == 1 ? "an operator that is" : parts.size() + " operators that are")
                + " not supported: " + String.join(", ", parts) + "; " + WHAT_CONVERTS);
    }

    private void handle(OnnxNode node) throws ImportException {
        String op = node.op;
        if (RECURRENT_OPS.contains(op)) {
            recurrent.recurrent(node);
            return;
        }
        if (ACTIVATION_OPS.contains(op)) {
            layers.activation(node);
            return;
        }
        switch (op) {
            case "Constant":
                cx.put(node, 0, Value.constant(glue.constantNode(node)));
                break;
            case "Identity":
                cx.put(node, 0, cx.value(node, 0, "input"));
                break;
            case "Dropout":
                // Inference: the input passes through; the mask output, if read, cannot be folded.
                if (cx.uses.getOrDefault(node.output(1), 0) > 0) {
                    throw node.error("the dropout mask is read; only inference graphs are supported");
                }
                cx.put(node, 0, cx.value(node, 0, "input"));
                break;
            case "Cast":
                glue.cast(node);
                break;
            case "Shape":
                glue.shape(node);
                break;
            case "Gather":
                gather(node);
                break;
            case "Unsqueeze":
            case "Squeeze":
                glue.squeeze(node, op.equals("Unsqueeze"));
                break;
            case "Concat":
                concat(node);
                break;
            case "ConstantOfShape":
                glue.constantOfShape(node);
                break;
            case "Slice":
                glue.slice(node);
                break;
            case "Transpose":
                cx.put(node, 0, Views.transpose(cx.runtime(node, 0, "input"), node.intsAttr("perm"), node));
                break;
            case "Reshape":
                glue.reshape(node);
                break;
            case "Flatten":
                glue.flatten(node);
                break;
            case "Expand":
                glue.expand(node);
                break;
            case "Mul":
                layers.mul(node);
                break;
            case "Less":
            case "And":
                loops.constantComparison(node);
                break;
            case "Loop":
                loops.loop(node);
                break;
            case "MatMul":
                layers.matMul(node);
                break;
            case "Gemm":
                layers.gemm(node);
                break;
            case "Add":
                layers.add(node);
                break;
            case "Softmax":
            case "LogSoftmax":
                layers.softmax(node);
                break;
            default:
                throw new AssertionError("refuseUnsupportedOperators passed " + op);
        }
    }

    /** Gather picks sizes from shape cx.values, or rows of a constant table: an embedding. */
    private void gather(OnnxNode node) throws ImportException {
        Value data = cx.value(node, 0, "data");
        Value indices = cx.value(node, 1, "indices");
        long axis = node.intAttr("axis", 0);
        if (data.kind == Value.Kind.SHAPE && indices.kind == Value.Kind.CONSTANT) {
            glue.gather(node, data, indices);
        } else if (data.kind == Value.Kind.CONSTANT && indices.kind == Value.Kind.RUNTIME && axis == 0) {
            layers.embedding(node, data.constant, indices);
        } else if (data.kind == Value.Kind.RUNTIME && (indices.kind == Value.Kind.CONSTANT || indices.kind == Value.Kind.SHAPE)) {
            glue.gatherOne(node, data, indices, axis);
        } else {
            throw node.error("Gather of " + data + " at " + indices + " (axis " + axis + ") is not supported; Sequin folds "
                    + "Gather on shape values and of one constant index, and imports Gather on a constant table along axis 0 as "
                    + "an embedding");
        }
    }

    /** Concat joins sizes, or run-time tensors in a layer. */
    private void concat(OnnxNode node) throws ImportException {
        List<Value> parts = new ArrayList<>();
        boolean allInts = true;
        boolean anyRuntime = false;
        for (int k = 0; k < node.inputCount(); k++) {
            Value v = cx.value(node, k, "input " + k);
            parts.add(v);
            allInts &= v.kind == Value.Kind.SHAPE || (v.kind == Value.Kind.CONSTANT && v.constant.type() != ElementType.FLOAT32
                    && v.constant.rank() == 1);
            anyRuntime |= v.kind == Value.Kind.RUNTIME;
        }
        if (allInts) {
            glue.concatInts(node, parts);
        } else if (anyRuntime) {
            layers.concat(node, parts);
        } else {
            throw node.error("Concat of constants other than integer vectors is not supported");
        }
    }

    // ---- layers

    private void graphOutput(String name) throws ImportException {
        Value v = cx.values.get(name);
        if (v == null) {
            throw new ImportException("graph output '" + name + "' is not computed by any node");
        }
        if (v.kind != Value.Kind.RUNTIME || v.source.producer == null) {
            throw new ImportException("graph output '" + name + "' is " + v + ", not something the model computes");
        }
        String physical = cx.materialize(v, null, "graph output '" + name + "'");
        if (!physical.equals(name)) {
            for (TensorSpec o : cx.ir.outputs) {
                if (o.name().equals(physical)) {
                    throw new ImportException("graph outputs '" + physical + "' and '" + name + "' are the same tensor");
                }
            }
            cx.rename(cx.copies.getOrDefault(physical, v.source), name);
        }
        List<Sym> dims = v.dims();
        cx.ir.outputs.add(new TensorSpec(name, ElementType.FLOAT32, sizes(dims), names(dims)));
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
            out[i] = !s.known() && cx.dimParams.contains(s.symbol) ? s.symbol : "";
        }
        return out;
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
