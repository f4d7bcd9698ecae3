package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.GateOrder;
import io.sequin.ir.IrActivationLayer;
import io.sequin.ir.IrConcatLayer;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrHalvesLayer;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrMaskLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.HalvesLayer;
import io.sequin.layer.RecurrentLayout;
import io.sequin.layer.RecurrentLayout.YLayout;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a Keras Sequential or functional model into layers (keras-team/keras {@code
 * layers/rnn/lstm.py}, {@code gru.py}, {@code simple_rnn.py}, {@code bidirectional.py};
 * ../shared/notes/semantics.md §2): LSTM, GRU (both reset_after forms), SimpleRNN,
 * Bidirectional (every merge mode, return_state), Dense, TimeDistributed(Dense), Embedding
 * (mask_zero), Masking, Activation, Concatenate, and the layers that do nothing at inference
 * (Dropout and friends); a layer called on several inputs (shared) becomes one layer per call.
 * Keras tensors are batch-first: a recurrent layer reads [B, S, F] and writes [B, S, D*U]
 * (return_sequences) or its final states [B, D*U]. Weights are taken in the order Keras saves
 * them (layer by layer; kernel, recurrent_kernel, bias, or Keras 1's W, U, b per gate) and
 * transposed to rows per unit, in Keras' gate order ({@link GateOrder#KERAS}), which the
 * converter's normalization puts into ONNX's.
 *
 * <p>Masks follow the tensors as in Keras: Masking and Embedding(mask_zero) make one (a Mask
 * layer), layers that keep the time axis pass it on, and every recurrent layer that reads a
 * masked tensor takes it as its mask input.
 */
public final class KerasImporter {
    private static final Set<String> NO_OPS = Set.of("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
            "AlphaDropout", "ActivityRegularization");

    /** The classes {@link #layer} and the model walk read; NO_OPS besides. */
    private static final Set<String> LAYERS = Set.of("InputLayer", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "Dense",
            "TimeDistributed", "Embedding", "Masking", "Activation", "Concatenate");

    private final KerasModel model;
    private final IrModel ir = new IrModel();
    /** Each layer's weights by layer name (the first part of a weight's name), in saved order. */
    private final Map<String, ArrayDeque<KerasModel.Weight>> byLayer = new LinkedHashMap<>();
    /** The tensor the next layer reads, and its feature size (the last axis). */
    private String current;
    private int features;
    /** Whether the current tensor still has a time axis. */
    private boolean sequence;
    /** The mask that goes with the current tensor ([B, S], 0 at masked steps), or null. */
    private String mask;
    /** The Keras layer whose saved weights {@link #take} reads. */
    private String weightsOf;
    /** Each layer's weights as taken by its first call: a shared layer's later calls take them again. */
    private final Map<String, List<KerasModel.Weight>> taken = new HashMap<>();
    /** What each layer wrote, by "layer#k": functional layers read their inbound layers' tensors. */
    private final Map<String, TensorState> written = new HashMap<>();
    /** Converting a shared layer's later call: its weights are taken again, not recorded. */
    private boolean replaying;
    /** The input's time axis: its size (-1 when dynamic) and name. */
    private int steps = TensorSpec.DYNAMIC;
    private String stepsName = "seq";

    private KerasImporter(KerasModel model) {
        this.model = model;
    }

    public static IrModel importModel(KerasModel model) throws ImportException {
        return new KerasImporter(model).convert();
    }

    private IrModel convert() throws ImportException {
        ir.sourceFormat = model.container;
        // TF.js manifests may list layers in any order; a layer's own weights keep theirs.
        for (KerasModel.Weight w : model.weights) {
            String layer = w.name.contains("/") ? w.name.substring(0, w.name.indexOf('/')) : w.name;
            byLayer.computeIfAbsent(layer, k -> new ArrayDeque<>()).add(w);
        }
        String cls = model.config.path("class_name").asText();
        JsonNode config = model.config.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        boolean functional = cls.equals("Model") || cls.equals("Functional");
        if (!cls.equals("Sequential") && !functional) {
            throw new ImportException("a Keras " + cls + " model; Sequin imports Sequential and functional models");
        }
        if (!layers.isArray()) {
            throw new ImportException("the model's config.layers is not a list of layers");
        }
        JsonNode outputLayers = config.path("output_layers");
        if (!functional) {
            layers = KerasModel.flattenSequential(layers);
        } else {
            JsonNode[] flat = KerasModel.flattenFunctional(layers, outputLayers);
            layers = flat[0];
            outputLayers = flat[1];
        }
        if (layers.size() > Limits.MAX_COUNT) {
            throw new ImportException("the " + cls + " model has " + layers.size() + " layers with its nested ones");
        }
        if (layers.size() == 0 || layers.size() > Limits.MAX_COUNT) {
            throw new ImportException("the " + cls + " model has " + layers.size() + " layers");
        }
        refuseUnsupportedLayers(layers);
        TensorState last = null;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            String kind = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = layer.has("name") ? layer.get("name").asText() : c.path("name").asText("layer_" + i);
            String where = "layer " + i + " '" + name + "' (" + kind + ")";
            weightsOf = name;
            if (kind.equals("InputLayer") || (!functional && i == 0)) {
                input(kind, c, name, where);
                if (kind.equals("InputLayer")) {
                    written.put(name + "#0", state());
                    last = state();
                    continue;
                }
            }
            if (!functional) {
                last = call(kind, c, name, where, null, "");
                continue;
            }
            List<List<String>> nodes = inboundNodes(layer.path("inbound_nodes"));
            if (nodes.isEmpty() || nodes.size() > Limits.MAX_COUNT) {
                throw new ImportException(where + ": " + nodes.size() + " inbound nodes");
            }
            // A layer called n times (shared) is converted once per call, each with the same weights.
            for (int n = 0; n < nodes.size(); n++) {
                replaying = n > 0;
                if (replaying) {
                    byLayer.put(name, new ArrayDeque<>(taken.getOrDefault(name, List.of())));
                }
                List<TensorState> parts = new ArrayList<>();
                for (String f : nodes.get(n)) {
                    TensorState t = written.get(f);
                    if (t == null) {
                        throw new ImportException(where + ": reads '" + f.replace("#", "' output ").replace("@node", " of call ")
                                + ", which no earlier layer writes");
                    }
                    parts.add(t);
                }
                last = call(kind, c, n == 0 ? name : name + "_call" + n, n == 0 ? where : where + " call " + n, parts,
                        n == 0 ? "" : "@node" + n);
            }
        }
        for (var e : byLayer.entrySet()) {
            if (!e.getValue().isEmpty()) {
                throw new ImportException("weight '" + e.getValue().peek().name + "' belongs to no layer that uses it");
            }
        }
        List<String> outputs = new ArrayList<>();
        if (functional) {
            inbound(outputLayers, outputs);
        }
        if (outputs.isEmpty()) {
            outputs.add(null);
        }
        for (String o : outputs) {
            TensorState t = o == null ? last : written.get(o);
            if (t == null) {
                throw new ImportException("model output '" + o.replace("#", "' output ") + " is written by no layer");
            }
            restore(t);
            for (TensorSpec known : ir.outputs) {
                if (known.name().equals(current)) {
                    throw new ImportException("model output '" + current + "' is listed twice");
                }
            }
            for (TensorSpec input : ir.inputs) {
                if (input.name().equals(current)) {
                    throw new ImportException("model output '" + current + "' is a model input; Sequin's outputs are what layers compute");
                }
            }
            ir.outputs.add(new TensorSpec(current, ElementType.FLOAT32,
                    sequence ? new int[] {-1, steps, features} : new int[] {-1, features},
                    sequence ? new String[] {"batch", stepsName, ""} : new String[] {"batch", ""}));
        }
        return ir;
    }

    /**
     * Names every layer class the model uses that Sequin does not convert, at once and before any
     * weight is looked up (a wrapper's inner layer too), so the message is the real blocker.
     */
    private static void refuseUnsupportedLayers(JsonNode layers) throws ImportException {
        Map<String, List<String>> unsupported = new LinkedHashMap<>();
        for (JsonNode layer : layers) {
            String kind = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = layer.has("name") ? layer.get("name").asText() : c.path("name").asText();
            String inner = c.path("layer").path("class_name").asText("");
            if (!LAYERS.contains(kind) && !NO_OPS.contains(kind)) {
                unsupported.computeIfAbsent(kind, k -> new ArrayList<>()).add(name);
            } else if (kind.equals("Bidirectional") && !Set.of("LSTM", "GRU", "SimpleRNN").contains(inner)) {
                unsupported.computeIfAbsent("Bidirectional(" + inner + ")", k -> new ArrayList<>()).add(name);
            } else if (kind.equals("TimeDistributed") && !inner.equals("Dense")) {
                unsupported.computeIfAbsent("TimeDistributed(" + inner + ")", k -> new ArrayList<>()).add(name);
            }
        }
        if (unsupported.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : unsupported.entrySet()) {
            parts.add(e.getKey() + " ('" + String.join("', '", e.getValue()) + "')");
        }
        throw new ImportException("the model uses Keras layers that are not supported: " + String.join(", ", parts)
                + "; Sequin converts " + String.join(", ", new TreeSet<>(LAYERS)) + " and the layers that do nothing at "
                + "inference (" + String.join(", ", new TreeSet<>(NO_OPS)) + ")");
    }

    /** A tensor between layers: its name, feature size, whether it still has a time axis, and its mask. */
    private static final class TensorState {
        final String name;
        final int features;
        final boolean sequence;
        /** The mask tensor's name, or null. */
        final String mask;

        TensorState(String name, int features, boolean sequence, String mask) {
            this.name = name;
            this.features = features;
            this.sequence = sequence;
            this.mask = mask;
        }
    }

    /** A layer's outputs after its first (a recurrent layer's returned states), for functional models. */
    private final List<TensorState> extraOutputs = new ArrayList<>();

    private TensorState state() {
        return new TensorState(current, features, sequence, mask);
    }

    private void restore(TensorState t) {
        current = t.name;
        features = t.features;
        sequence = t.sequence;
        mask = t.mask;
    }

    /**
     * Converts one call of a layer on {@code parts} (null: the current tensor, in a Sequential
     * model) under the IR name {@code name}, and records what it wrote as "layer#k" plus
     * {@code node} ("" for a layer's first call). Returns its first output.
     */
    private TensorState call(String kind, JsonNode c, String name, String where, List<TensorState> parts, String node)
            throws ImportException {
        String layer = weightsOf;
        extraOutputs.clear();
        if (parts != null && kind.equals("Concatenate")) {
            concatenate(c, parts, name, where);
        } else {
            if (parts != null) {
                if (parts.size() != 1) {
                    throw new ImportException(where + ": reads " + parts.size() + " tensors; only Concatenate takes several inputs");
                }
                restore(parts.get(0));
            }
            layer(kind, c, name, where);
        }
        written.put(layer + "#0" + node, state());
        for (int k = 0; k < extraOutputs.size(); k++) {
            written.put(layer + "#" + (k + 1) + node, extraOutputs.get(k));
        }
        return state();
    }

    /** Each call's inbound tensors ("layer#k", with "@nodeN" for a shared layer's later calls). */
    private static List<List<String>> inboundNodes(JsonNode nodes) {
        List<List<String>> out = new ArrayList<>();
        for (JsonNode node : nodes) {
            List<String> refs = new ArrayList<>();
            inbound(node, refs);
            out.add(refs);
        }
        return out;
    }

    /** Concatenate along the last axis (Keras's default, -1): a Concat layer. */
    private void concatenate(JsonNode c, List<TensorState> parts, String name, String where) throws ImportException {
        if (parts.isEmpty()) {
            throw new ImportException(where + ": a Concatenate of no tensors");
        }
        int axis = c.path("axis").asInt(-1);
        boolean seq = parts.get(0).sequence;
        int total = 0;
        String joinedMask = null;
        for (TensorState t : parts) {
            if (t.sequence != seq) {
                throw new ImportException(where + ": joins tensors of different ranks");
            }
            total += t.features;
            // Keras keeps a step where every part's mask keeps it; a part without a mask keeps all.
            if (t.mask != null && joinedMask != null && !joinedMask.equals(t.mask)) {
                throw new ImportException(where + ": joins tensors with different masks ('" + joinedMask + "' and '" + t.mask
                        + "'), which is not supported");
            }
            joinedMask = t.mask != null ? t.mask : joinedMask;
        }
        if (axis != -1 && axis != (seq ? 2 : 1)) {
            throw new ImportException(where + ": axis " + axis + " is not supported (the last axis is)");
        }
        IrConcatLayer l = new IrConcatLayer();
        l.name = name;
        l.axis = -1;
        for (TensorState t : parts) {
            l.inputs.add(t.name);
        }
        l.outputs.add(name);
        ir.layers.add(l);
        current = name;
        features = total;
        sequence = seq;
        mask = joinedMask;
    }

    /**
     * The layers a functional layer's inbound nodes name: Keras 2 writes [[name, node, tensor,
     * kwargs], ...], Keras 3 {"keras_history": [name, node, tensor]}.
     */
    private static void inbound(JsonNode n, List<String> out) {
        if (n.isObject()) {
            if (n.has("keras_history") && n.get("keras_history").size() > 0) {
                out.add(tensorKey(n.get("keras_history")));
                return;
            }
            n.fields().forEachRemaining(e -> inbound(e.getValue(), out));
        } else if (n.isArray()) {
            if (n.size() >= 3 && n.get(0).isTextual() && n.get(1).isInt()) {
                out.add(tensorKey(n));
                return;
            }
            for (JsonNode x : n) {
                inbound(x, out);
            }
        }
    }

    /** "layer#k": output k of a layer ([name, node, tensor]), with "@nodeN" for its call N > 0. */
    private static String tensorKey(JsonNode ref) {
        return ref.get(0).asText() + "#" + ref.get(2).asInt(0) + (ref.get(1).asInt(0) != 0 ? "@node" + ref.get(1).asInt() : "");
    }

    /** The model input, from an InputLayer or the first layer's batch_input_shape. */
    private void input(String kind, JsonNode c, String name, String where) throws ImportException {
        JsonNode shape = c.has("batch_input_shape") ? c.get("batch_input_shape") : c.path("batch_shape");
        if (!shape.isArray() || shape.size() < 2 || shape.size() > 3) {
            throw new ImportException(where + ": batch_input_shape " + shape + " is not [batch, steps(, features)]");
        }
        JsonNode dt = c.has("dtype") ? c.path("dtype") : c.path("input_dtype");
        // Keras 3 writes a dtype policy object.
        String dtype = dt.isObject() ? dt.path("config").path("name").asText("float32") : dt.asText("float32");
        ElementType type = dtype.equals("int32") ? ElementType.INT32 : dtype.equals("int64") ? ElementType.INT64 : ElementType.FLOAT32;
        current = kind.equals("InputLayer") ? name : name + "_input";
        int[] dims = new int[shape.size()];
        String[] names = new String[shape.size()];
        for (int k = 0; k < dims.length; k++) {
            dims[k] = shape.get(k).isNull() ? TensorSpec.DYNAMIC : shape.get(k).asInt();
            names[k] = k == 0 ? "batch" : k == 1 && shape.get(k).isNull() ? "seq" : "";
        }
        sequence = true;
        mask = null;
        features = dims.length == 3 ? dims[2] : 0;
        steps = dims[1];
        stepsName = names[1];
        ir.inputs.add(new TensorSpec(current, type, dims, names));
    }

    private void layer(String kind, JsonNode c, String name, String where) throws ImportException {
        if (NO_OPS.contains(kind)) {
            return;
        }
        switch (kind) {
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
                recurrent(kind, c, null, name, where);
                break;
            case "Bidirectional":
                bidirectional(c, name, where);
                break;
            case "Dense":
                dense(c, name, where);
                break;
            case "TimeDistributed": {
                JsonNode inner = c.path("layer");
                if (!inner.path("class_name").asText().equals("Dense")) {
                    throw new ImportException(where + ": TimeDistributed(" + inner.path("class_name").asText() + ") is not supported (Dense is)");
                }
                dense(inner.path("config"), name, where);
                break;
            }
            case "Embedding":
                embedding(c, name, where);
                break;
            case "Masking":
                masking(c, name, where);
                break;
            case "Activation":
                activationLayer(activationName(c.path("activation"), "linear"), name, name, where);
                break;
            default:
                throw new ImportException(where + ": Keras layer " + kind + " is not supported");
        }
    }

    /**
     * Bidirectional: one layer of both directions writing them side by side, then each merge
     * mode's combination: concat as written, sum, mul and ave by a Halves layer, None as two
     * tensors (the halves apart). With return_state, the outputs after the merged ones are
     * forward h (and c), then backward h (and c), each a half of the layer's merged states.
     */
    private void bidirectional(JsonNode c, String name, String where) throws ImportException {
        JsonNode m = c.path("merge_mode");
        String merge = m.isMissingNode() ? "concat" : m.isNull() ? "none" : m.asText();
        if (!Set.of("concat", "sum", "mul", "ave", "none").contains(merge)) {
            throw new ImportException(where + ": merge_mode '" + merge + "' is not one of concat, sum, mul, ave or None");
        }
        JsonNode inner = c.path("layer");
        String mergedName = merge.equals("concat") ? name : name + ".directions";
        recurrent(inner.path("class_name").asText(), inner.path("config"), Direction.BIDIRECTIONAL, mergedName, where);
        List<TensorState> states = new ArrayList<>(extraOutputs);
        extraOutputs.clear();
        TensorState merged = state();
        List<TensorState> outputs = new ArrayList<>();
        if (merge.equals("concat")) {
            outputs.add(merged);
        } else if (merge.equals("none")) {
            outputs.add(half(merged, HalvesLayer.Op.FIRST, name + ".forward", name + ".forward"));
            outputs.add(half(merged, HalvesLayer.Op.SECOND, name + ".backward", name + ".backward"));
        } else {
            outputs.add(half(merged, HalvesLayer.Op.valueOf(merge.toUpperCase(Locale.ROOT)), name + "." + merge, name));
        }
        // The layer wrote each state with both directions side by side: [fh | bh], [fc | bc].
        for (int direction = 0; direction < 2 && !states.isEmpty(); direction++) {
            HalvesLayer.Op op = direction == 0 ? HalvesLayer.Op.FIRST : HalvesLayer.Op.SECOND;
            String side = direction == 0 ? ".forward_" : ".backward_";
            for (int k = 0; k < states.size(); k++) {
                // The layer returns h, then c for an LSTM.
                String which = k == 0 ? "h" : "c";
                outputs.add(half(states.get(k), op, name + side + which, name + side + which));
            }
        }
        restore(outputs.get(0));
        extraOutputs.addAll(outputs.subList(1, outputs.size()));
    }

    /** A Halves layer on {@code from}: its last axis halved by {@code op}. */
    private TensorState half(TensorState from, HalvesLayer.Op op, String layerName, String output) {
        IrHalvesLayer h = new IrHalvesLayer();
        h.name = layerName;
        h.op = op;
        h.inputs.add(from.name);
        h.outputs.add(output);
        ir.layers.add(h);
        return new TensorState(output, from.features / 2, from.sequence, from.mask);
    }

    /**
     * Keras Masking: a step is masked when all its features equal mask_value. The masked
     * tensor (masked steps zeroed, as Keras multiplies by the mask) goes on with its mask.
     */
    private void masking(JsonNode c, String name, String where) throws ImportException {
        if (!sequence || features < 1) {
            throw new ImportException(where + ": Masking needs a [batch, steps, features] input");
        }
        JsonNode v = c.path("mask_value");
        if (!v.isMissingNode() && !v.isNumber()) {
            throw new ImportException(where + ": mask_value " + v + " is not a number");
        }
        IrMaskLayer l = new IrMaskLayer();
        l.name = name;
        l.value = (float) v.asDouble(0.0);
        l.featureAxis = true;
        l.inputs.add(current);
        l.outputs.add(name);
        l.outputs.add(name + ".mask");
        ir.layers.add(l);
        current = name;
        mask = name + ".mask";
    }

    /** The next saved weight of the layer being converted, which must have {@code shape}. */
    private Tensor take(String role, int[] shape, String where) throws ImportException {
        ArrayDeque<KerasModel.Weight> own = byLayer.get(weightsOf);
        if (own == null || own.isEmpty()) {
            throw new ImportException(where + ": its " + role + " is missing from the file's weights");
        }
        KerasModel.Weight w = own.poll();
        if (!replaying) {
            taken.computeIfAbsent(weightsOf, k -> new ArrayList<>()).add(w);
        }
        if (!Arrays.equals(w.value.shape(), shape)) {
            throw new ImportException(where + ": weight '" + w.name + "' (its " + role + ") has shape " + Tensor.format(w.value.shape())
                    + ", expected " + Tensor.format(shape));
        }
        return w.value;
    }

    private void recurrent(String kind, JsonNode c, Direction wrapped, String name, String where) throws ImportException {
        CellType cell = kind.equals("LSTM") ? CellType.LSTM : kind.equals("GRU") ? CellType.GRU : kind.equals("SimpleRNN") ? CellType.RNN : null;
        if (cell == null) {
            throw new ImportException(where + ": " + kind + " inside Bidirectional is not supported");
        }
        if (!sequence || features < 1) {
            throw new ImportException(where + ": a recurrent layer needs a [batch, steps, features] input");
        }
        boolean returnState = c.path("return_state").asBoolean(false);
        boolean sequences = c.path("return_sequences").asBoolean(false);
        boolean backwards = c.path("go_backwards").asBoolean(false);
        // Keras 1 named units output_dim and recurrent_activation inner_activation.
        JsonNode unitsNode = c.has("units") ? c.path("units") : c.path("output_dim");
        int units = unitsNode.asInt(0);
        if (units < 1 || units > Limits.MAX_LAYER_WIDTH) {
            throw new ImportException(where + ": units " + unitsNode);
        }
        boolean zeroMasked = zeroOutputForMask(c, wrapped != null, sequences, where);
        Direction direction = wrapped != null ? wrapped : backwards ? Direction.REVERSE : Direction.FORWARD;
        int dirs = direction.count();
        int gates = cell.gates();
        boolean resetAfter = cell == CellType.GRU && c.path("reset_after").asBoolean(false);
        boolean bias = c.path("use_bias").asBoolean(true);
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = name;
        l.gateOrder = GateOrder.KERAS;
        RecurrentLayout forms = RecurrentLayout.onnx(1).withStateful(c.path("stateful").asBoolean(false));
        int rows = gates * units;
        l.w = new float[dirs * rows * features];
        l.r = new float[dirs * rows * units];
        l.b = new float[dirs * 2 * rows];
        ArrayDeque<KerasModel.Weight> own = byLayer.get(weightsOf);
        // Keras 1 saved LSTM and GRU weights per gate: W, U, b for each (engine/saving.py converts them).
        boolean perGate = gates > 1 && own != null && own.size() == dirs * 3 * gates;
        for (int d = 0; d < dirs; d++) {
            String part = dirs == 2 ? (d == 0 ? "forward " : "backward ") : "";
            Tensor kernel;
            Tensor recurrent;
            Tensor biasValues = null;
            if (perGate) {
                Tensor[] joined = perGateWeights(cell, units, part, where);
                kernel = joined[0];
                recurrent = joined[1];
                biasValues = joined[2];
            } else {
                kernel = take(part + "kernel", new int[] {features, rows}, where);
                recurrent = take(part + "recurrent_kernel", new int[] {units, rows}, where);
            }
            transpose(kernel.floats(), features, rows, l.w, d * rows * features);
            transpose(recurrent.floats(), units, rows, l.r, d * rows * units);
            if (bias) {
                Tensor b = biasValues != null ? biasValues : take(part + "bias", resetAfter ? new int[] {2, rows} : new int[] {rows}, where);
                // Wb, then Rb when reset_after keeps them apart (else Rb stays 0).
                System.arraycopy(b.floats(), 0, l.b, 2 * d * rows, (resetAfter ? 2 : 1) * rows);
            }
        }
        // A config without recurrent_activation takes its producer's default: hard_sigmoid up to Keras 2.2
        // and in TF.js, sigmoid from Keras 2.3 on (keras-team/keras 2.2.4 vs 2.3.1 recurrent.py).
        JsonNode recurrentActivation = c.has("recurrent_activation") ? c.path("recurrent_activation") : c.path("inner_activation");
        Activation f = activation(activationName(recurrentActivation, oldRecurrentDefault() ? "hard_sigmoid" : "sigmoid"), where);
        Activation g = activation(activationName(c.path("activation"), "tanh"), where);
        List<Activation> activations = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            activations.add(cell == CellType.RNN ? g : f);
            if (cell != CellType.RNN) {
                activations.add(g);
            }
            if (cell == CellType.LSTM) {
                activations.add(g);
            }
        }
        l.inputs.add(current);
        if (mask != null) {
            l.inputs.addAll(List.of("", "", "", mask));
            forms = forms.withZeroMaskedOutputs(zeroMasked);
        }
        if (sequences) {
            // go_backwards returns its outputs in processing order, last input step first.
            forms = forms.withY(YLayout.BATCH_SEQ).withYReversed(backwards && wrapped == null);
            l.outputs.add(name);
        } else {
            forms = forms.withMergedStates(true);
            l.outputs.add("");
            l.outputs.add(name);
        }
        if (returnState) {
            // Keras returns [output, h(, c)]; without return_sequences the output is h itself.
            forms = forms.withMergedStates(true);
            String h = sequences ? name + ".h" : name;
            if (sequences) {
                l.outputs.add(h);
            }
            extraOutputs.add(new TensorState(h, dirs * units, false, null));
            if (cell == CellType.LSTM) {
                l.outputs.add(name + ".c");
                extraOutputs.add(new TensorState(name + ".c", dirs * units, false, null));
            }
        }
        try {
            l.spec = RecurrentSpec.builder(cell, units, features).direction(direction).linearBeforeReset(resetAfter)
                    .activations(activations).layout(forms).build();
        } catch (IllegalArgumentException e) {
            throw new ImportException(where + ": " + e.getMessage(), e);
        }
        ir.layers.add(l);
        current = name;
        features = dirs * units;
        sequence = sequences;
        // A layer that returns its sequence passes the mask on (Keras RNN.compute_mask).
        mask = sequences ? mask : null;
    }

    /**
     * Keras 1's per-gate weights of one direction (W [F, U], U [U, U], b [U] for each gate; LSTM
     * gates i, c, f, o and GRU z, r, h) joined into Keras 2's kernel, recurrent_kernel and bias
     * (LSTM i, f, c, o), as keras-team/keras 2.2.4 engine/saving.py preprocess_weights_for_loading does.
     */
    private Tensor[] perGateWeights(CellType cell, int units, String part, String where) throws ImportException {
        int gates = cell.gates();
        int[] fromKeras1 = cell == CellType.LSTM ? new int[] {0, 2, 1, 3} : new int[] {0, 1, 2};
        Tensor[][] per = new Tensor[gates][];
        for (int k = 0; k < gates; k++) {
            per[k] = new Tensor[] {take(part + "W of gate " + k, new int[] {features, units}, where),
                take(part + "U of gate " + k, new int[] {units, units}, where),
                take(part + "b of gate " + k, new int[] {units}, where)};
        }
        int rows = gates * units;
        int[] ins = {features, units, 1};
        Tensor[] joined = new Tensor[3];
        for (int which = 0; which < 3; which++) {
            float[] to = new float[ins[which] * rows];
            for (int g = 0; g < gates; g++) {
                float[] from = per[fromKeras1[g]][which].floats();
                for (int i = 0; i < ins[which]; i++) {
                    System.arraycopy(from, i * units, to, i * rows + g * units, units);
                }
            }
            joined[which] = Tensor.ofFloats(which == 2 ? new int[] {rows} : new int[] {ins[which], rows}, to);
        }
        return joined;
    }

    /**
     * Whether a recurrent layer outputs 0 at masked steps rather than the carried output: as its
     * config says when it says (zero_output_for_mask, Keras 3 and tf.keras), else as the
     * producer's Bidirectional forces it (return_sequences, from tf.keras and Keras 2.3 on; not
     * in Keras 1 to 2.2 nor TF.js, whose rnn() always carries the output).
     */
    private boolean zeroOutputForMask(JsonNode c, boolean bidirectional, boolean sequences, String where) throws ImportException {
        JsonNode given = c.path("zero_output_for_mask");
        if (given.isBoolean()) {
            if (given.asBoolean() && !sequences) {
                throw new ImportException(where + ": zero_output_for_mask without return_sequences is not supported "
                        + "(Keras would output 0 when the last step is masked)");
            }
            return given.asBoolean();
        }
        String v = model.kerasVersion;
        boolean forces = !(v.startsWith("tfjs") || v.startsWith("1") || (v.matches("2\\.[0-2]\\..*") && !v.endsWith("-tf")));
        return bidirectional && sequences && forces;
    }

    /** A Keras [in, rows] kernel as [rows, in], the row-major form Sequin's W and R take. */
    private static void transpose(float[] k, int in, int rows, float[] to, int off) {
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < in; i++) {
                to[off + row * in + i] = k[i * rows + row];
            }
        }
    }

    private void dense(JsonNode c, String name, String where) throws ImportException {
        JsonNode unitsNode = c.has("units") ? c.path("units") : c.path("output_dim");
        int units = unitsNode.asInt(0);
        if (units < 1 || units > Limits.MAX_LAYER_WIDTH || features < 1) {
            throw new ImportException(where + ": units " + unitsNode + " on " + features + " features");
        }
        IrDenseLayer l = new IrDenseLayer();
        l.name = name;
        l.units = units;
        l.inputSize = features;
        Tensor kernel = take("kernel", new int[] {features, units}, where);
        l.w = new float[units * features];
        for (int i = 0; i < features; i++) {
            for (int u = 0; u < units; u++) {
                l.w[u * features + i] = kernel.floats()[i * units + u];
            }
        }
        if (c.path("use_bias").asBoolean(c.path("bias").asBoolean(true))) {
            l.b = take("bias", new int[] {units}, where).floats().clone();
        }
        String act = activationName(c.path("activation"), "linear");
        boolean softmax = act.equals("softmax");
        if (!softmax && !act.equals("linear")) {
            l.activation = activation(act, where);
        }
        l.inputs.add(current);
        l.outputs.add(softmax ? name + ".logits" : name);
        ir.layers.add(l);
        current = l.outputs.get(0);
        features = units;
        if (softmax) {
            activationLayer("softmax", name + ".softmax", name, where);
        }
    }

    private void embedding(JsonNode c, String name, String where) throws ImportException {
        if (c.path("mask_zero").asBoolean(false)) {
            // Token id 0 masks its step: the mask goes on with the embedded sequence.
            IrMaskLayer m = new IrMaskLayer();
            m.name = name + ".mask";
            m.value = 0f;
            m.featureAxis = false;
            m.inputs.add(current);
            m.outputs.add("");
            m.outputs.add(name + ".mask");
            ir.layers.add(m);
            mask = name + ".mask";
        }
        int vocabulary = c.path("input_dim").asInt(0);
        int size = c.path("output_dim").asInt(0);
        if (vocabulary < 1 || size < 1 || size > Limits.MAX_LAYER_WIDTH || features != 0) {
            throw new ImportException(where + ": an embedding of " + vocabulary + "x" + size + " on a [batch, steps] input");
        }
        IrEmbeddingLayer l = new IrEmbeddingLayer();
        l.name = name;
        l.vocabulary = vocabulary;
        l.size = size;
        l.table = take("embeddings", new int[] {vocabulary, size}, where).floats();
        l.inputs.add(current);
        l.outputs.add(name);
        ir.layers.add(l);
        current = name;
        features = size;
    }

    private void activationLayer(String act, String name, String output, String where) throws ImportException {
        IrLayer l;
        if (act.equals("softmax")) {
            l = new IrSoftmaxLayer();
        } else if (act.equals("linear") && !isModelInput(current)) {
            // Nothing to compute, but the tensor takes the Activation's name, as Keras calls it.
            rename(current, output);
            return;
        } else {
            IrActivationLayer a = new IrActivationLayer();
            a.activation = activation(act, where);
            l = a;
        }
        l.name = name;
        l.inputs.add(current);
        l.outputs.add(output);
        ir.layers.add(l);
        current = output;
    }

    private boolean isModelInput(String tensor) {
        return ir.inputs.stream().anyMatch(s -> s.name().equals(tensor));
    }

    /** Renames a tensor the layers so far write and read, and what they recorded of it. */
    private void rename(String from, String to) {
        for (IrLayer l : ir.layers) {
            l.inputs.replaceAll(t -> t.equals(from) ? to : t);
            l.outputs.replaceAll(t -> t.equals(from) ? to : t);
        }
        written.replaceAll((k, t) -> t.name.equals(from) ? new TensorState(to, t.features, t.sequence, t.mask) : t);
        current = to;
    }

    /** An activation given as a name, or as {"class_name", "config"} (Keras 3), or {@code fallback} when absent. */
    private static String activationName(JsonNode a, String fallback) {
        if (a == null || a.isNull() || a.isMissingNode()) {
            return fallback;
        }
        String s = a.isObject() ? a.path("config").path("name").asText(a.path("class_name").asText()) : a.asText();
        // TF.js writes camelCase names; Keras snake_case.
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private Activation activation(String name, String where) throws ImportException {
        switch (name) {
            case "tanh":
                return new Activation(ActivationFunction.TANH, 0, 0);
            case "sigmoid":
                return new Activation(ActivationFunction.SIGMOID, 0, 0);
            case "relu":
                return new Activation(ActivationFunction.RELU, 0, 0);
            case "linear":
                return new Activation(ActivationFunction.AFFINE, 1, 0);
            case "elu":
                return new Activation(ActivationFunction.ELU, 1, 0);
            case "softsign":
                return new Activation(ActivationFunction.SOFTSIGN, 0, 0);
            case "softplus":
                return new Activation(ActivationFunction.SOFTPLUS, 0, 0);
            case "hard_sigmoid":
                // Keras 3 redefined it as relu6(x + 3) / 6; Keras 1-2, tf.keras and TF.js use 0.2x + 0.5.
                return new Activation(ActivationFunction.HARD_SIGMOID, keras3() ? 1f / 6 : 0.2f, 0.5f);
            default:
                throw new ImportException(where + ": activation '" + name + "' is not supported");
        }
    }

    /** Keras 1.x to 2.2.x and TF.js default recurrent_activation to hard_sigmoid. */
    private boolean oldRecurrentDefault() {
        String v = model.kerasVersion;
        return v.startsWith("tfjs") || v.startsWith("1") || v.matches("2\\.[0-2]\\..*");
    }

    private boolean keras3() {
        return model.kerasVersion.startsWith("3.");
    }
}
