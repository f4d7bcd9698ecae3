package io.sequin.importer.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.ir.IrActivationLayer;
import io.sequin.ir.IrDenseLayer;
import io.sequin.ir.IrEmbeddingLayer;
import io.sequin.ir.IrLayer;
import io.sequin.ir.IrModel;
import io.sequin.ir.IrSoftmaxLayer;
import io.sequin.layer.Activation;
import io.sequin.layer.ActivationFunction;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A PyTorch model made of modules in a row, from its state_dict and a small architecture
 * description (a state_dict holds parameters, not how the modules connect):
 *
 * <pre>{@code
 * {"batch_first": true,
 *  "layers": [{"type": "embedding", "module": "embed"},
 *             {"type": "rnn", "module": "rnn"},
 *             {"type": "dropout"},
 *             {"type": "linear", "module": "head"},
 *             {"type": "log_softmax"}]}
 * }</pre>
 *
 * <p>Each layer's parameters are the state_dict's keys under {@code module + "."}: an
 * {@code nn.Embedding}'s {@code weight} [V, E], an {@code nn.LSTM}/{@code nn.GRU}/{@code nn.RNN}
 * (inferred as for a bare module, {@link TorchRnnImporter}; {@code "nonlinearity": "relu"} for
 * an nn.RNN), an {@code nn.Linear}'s {@code weight} [out, in] and optional {@code bias}. Types
 * without parameters: {@code dropout} (nothing at inference), {@code relu}, {@code tanh},
 * {@code sigmoid}, {@code softmax} and {@code log_softmax} (over the last axis). Exactly one
 * {@code rnn}; every parameter in the file must belong to a listed module.
 *
 * <p>Inputs: {@code x} (token ids [S, B] or [B, S] when the first layer is an embedding, else
 * features [S, B, I]; batch first when {@code batch_first}), and the recurrent module's
 * {@code h0} (and {@code c0}). Outputs: {@code y}, the last layer's output per step, and
 * {@code h_n} (and {@code c_n}), as the bare module's.
 */
public final class TorchComposite {
    private static final Set<String> KNOWN = Set.of("embedding", "rnn", "linear", "dropout", "relu", "tanh", "sigmoid", "softmax",
            "log_softmax");

    private TorchComposite() {
    }

    /** Reads the description file. */
    public static JsonNode readDescription(Path file) throws ImportException {
        try {
            if (Files.size(file) > 1 << 20) {
                throw new ImportException(file + ": an architecture description of " + Files.size(file) + " bytes; expected a small JSON file");
            }
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ImportException(file + ": not a readable JSON architecture description: " + e.getMessage());
        }
    }

    public static IrModel importModel(Map<String, Tensor> stateDict, JsonNode description, TorchRnnImporter.Options defaults)
            throws ImportException {
        JsonNode layers = description.path("layers");
        if (!layers.isArray() || layers.size() == 0 || layers.size() > Limits.MAX_COUNT) {
            throw new ImportException("the architecture description needs \"layers\": a list of modules in order");
        }
        boolean batchFirst = description.path("batch_first").asBoolean(defaults.batchFirst);
        Set<String> unused = new TreeSet<>(stateDict.keySet());
        IrModel ir = null;
        List<IrLayer> before = new ArrayList<>();
        List<IrLayer> after = new ArrayList<>();
        boolean ids = false;
        int width = -1;
        String current = "x";
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            String type = layer.path("type").asText();
            String where = "layers[" + i + "] (" + type + ")";
            if (!KNOWN.contains(type)) {
                throw new ImportException(where + ": type '" + type + "' is not one of " + new TreeSet<>(KNOWN));
            }
            String module = layer.path("module").asText("");
            String next = "layer" + i;
            List<IrLayer> into = ir == null ? before : after;
            switch (type) {
                case "embedding": {
                    if (i != 0) {
                        throw new ImportException(where + ": an embedding reads token ids, so it comes first");
                    }
                    Tensor table = parameter(stateDict, unused, module, "weight", where);
                    if (table.rank() != 2 || table.dim(1) < 1 || table.dim(1) > Limits.MAX_LAYER_WIDTH) {
                        throw new ImportException(where + ": " + module + ".weight is " + Tensor.format(table.shape()) + ", not [vocabulary, size]");
                    }
                    IrEmbeddingLayer e = new IrEmbeddingLayer();
                    e.vocabulary = table.dim(0);
                    e.size = table.dim(1);
                    e.table = table.floats();
                    into.add(named(e, module, current, next));
                    ids = true;
                    width = e.size;
                    break;
                }
                case "rnn": {
                    if (ir != null) {
                        throw new ImportException(where + ": a second recurrent module; the description takes one (stack layers in it)");
                    }
                    Map<String, Tensor> own = new LinkedHashMap<>();
                    for (String key : stateDict.keySet()) {
                        if (key.startsWith(module + ".")) {
                            own.put(key, stateDict.get(key));
                            unused.remove(key);
                        }
                    }
                    if (own.isEmpty()) {
                        throw new ImportException(where + ": no parameters under '" + module + ".'");
                    }
                    TorchRnnImporter.Options options = new TorchRnnImporter.Options();
                    options.batchFirst = batchFirst;
                    options.nonlinearity = layer.path("nonlinearity").asText(defaults.nonlinearity);
                    ir = TorchRnnImporter.importModel(own, options, where);
                    int input = ir.inputs.get(0).shape()[2];
                    if (width >= 0 && width != input) {
                        throw new ImportException(where + ": the module reads " + input + " values per step, but the layer before writes " + width);
                    }
                    // The bare module's x and y become this module's place in the row.
                    String from = current;
                    for (IrLayer l : ir.layers) {
                        l.inputs.replaceAll(n -> n.equals("x") ? from : n);
                        l.outputs.replaceAll(n -> n.equals("y") ? next : n);
                    }
                    width = ir.outputs.get(0).shape()[2];
                    break;
                }
                case "linear": {
                    Tensor w = parameter(stateDict, unused, module, "weight", where);
                    if (w.rank() != 2 || w.dim(0) < 1 || w.dim(0) > Limits.MAX_LAYER_WIDTH || (width >= 0 && w.dim(1) != width)) {
                        throw new ImportException(where + ": " + module + ".weight is " + Tensor.format(w.shape()) + ", expected [out, "
                                + (width >= 0 ? width : "in") + "]");
                    }
                    IrDenseLayer d = new IrDenseLayer();
                    d.units = w.dim(0);
                    d.inputSize = w.dim(1);
                    d.w = w.floats();
                    if (stateDict.containsKey(module + ".bias")) {
                        Tensor b = parameter(stateDict, unused, module, "bias", where);
                        if (b.rank() != 1 || b.dim(0) != d.units) {
                            throw new ImportException(where + ": " + module + ".bias is " + Tensor.format(b.shape()) + ", expected [" + d.units + "]");
                        }
                        d.b = b.floats();
                    }
                    into.add(named(d, module, current, next));
                    width = d.units;
                    break;
                }
                case "dropout":
                    continue;
                case "softmax":
                case "log_softmax": {
                    IrSoftmaxLayer s = new IrSoftmaxLayer();
                    s.log = type.equals("log_softmax");
                    into.add(named(s, type + i, current, next));
                    break;
                }
                default: {
                    IrActivationLayer a = new IrActivationLayer();
                    a.activation = new Activation(type.equals("relu") ? ActivationFunction.RELU : type.equals("tanh")
                            ? ActivationFunction.TANH : ActivationFunction.SIGMOID, 0, 0);
                    into.add(named(a, type + i, current, next));
                }
            }
            current = next;
        }
        if (ir == null) {
            throw new ImportException("the architecture description has no \"rnn\" layer");
        }
        if (!unused.isEmpty()) {
            throw new ImportException("parameters of no module in the description: " + unused);
        }
        // The last layer's output is y; the row's first input is x.
        String last = current;
        for (List<IrLayer> part : List.of(before, ir.layers, after)) {
            for (IrLayer l : part) {
                l.outputs.replaceAll(n -> n.equals(last) ? "y" : n);
                l.inputs.replaceAll(n -> n.equals(last) ? "y" : n);
            }
        }
        List<IrLayer> all = new ArrayList<>(before);
        all.addAll(ir.layers);
        all.addAll(after);
        ir.layers.clear();
        ir.layers.addAll(all);
        String[] order = batchFirst ? new String[] {"batch", "seq"} : new String[] {"seq", "batch"};
        TensorSpec x = ir.inputs.get(0);
        ir.inputs.set(0, ids ? new TensorSpec("x", ElementType.INT64, new int[] {-1, -1}, order)
                : new TensorSpec("x", ElementType.FLOAT32, x.shape(), x.dimNames()));
        ir.outputs.set(0, new TensorSpec("y", ElementType.FLOAT32, new int[] {-1, -1, width}, new String[] {order[0], order[1], ""}));
        return ir;
    }

    private static IrLayer named(IrLayer l, String name, String input, String output) {
        l.name = name;
        l.inputs.add(input);
        l.outputs.add(output);
        return l;
    }

    private static Tensor parameter(Map<String, Tensor> stateDict, Set<String> unused, String module, String name, String where)
            throws ImportException {
        if (module.isEmpty()) {
            throw new ImportException(where + ": needs \"module\", the name its parameters start with");
        }
        Tensor t = stateDict.get(module + "." + name);
        if (t == null) {
            throw new ImportException(where + ": the state_dict has no '" + module + "." + name + "'");
        }
        unused.remove(module + "." + name);
        return t;
    }
}
