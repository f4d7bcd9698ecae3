package io.sequin.importer.pytorch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sequin.importer.ImportException;
import io.sequin.importer.ZipArchive;
import io.sequin.ir.IrModel;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole model saved by {@code torch.save(model)}: the pickle holds module objects (their class
 * names and attributes, {@link Unpickler.TorchModule}), which say what a state_dict cannot: the
 * constructor settings (batch_first, nonlinearity) and, for an {@code nn.Sequential}, the modules
 * in order. No class is ever imported or called.
 *
 * <ul>
 * <li>A bare {@code nn.LSTM}, {@code nn.GRU} or {@code nn.RNN} converts as its state_dict with
 *     its own settings ({@link TorchRnnImporter}).
 * <li>An {@code nn.Sequential} of {@code Embedding}, one recurrent module, {@code Dropout},
 *     {@code Linear}, {@code ReLU}, {@code Tanh}, {@code Sigmoid}, {@code Softmax} and
 *     {@code LogSoftmax} (over the last axis) converts as {@code --arch} describes modules in a
 *     row ({@link TorchComposite}): the recurrent module's y goes on, its states are returned.
 * <li>Anything else, a user-defined class above all, is refused with the modules it holds:
 *     its {@code forward} is code, and Sequin never guesses it.
 * </ul>
 */
public final class TorchModuleImporter {
    private static final String NN = "torch.nn.modules.";

    private TorchModuleImporter() {
    }

    public static IrModel importModel(Path file) throws ImportException {
        String what = "the model";
        try (ZipArchive zip = ZipArchive.open(file, "the archive")) {
            Object root = StateDictReader.root(zip, "the archive");
            if (!(root instanceof Unpickler.TorchModule)) {
                throw new ImportException("the archive holds a state_dict, not a model");
            }
            Unpickler.TorchModule model = (Unpickler.TorchModule) root;
            String cls = model.className;
            if (isRecurrent(cls)) {
                TorchRnnImporter.Options options = options(model);
                return TorchRnnImporter.importModel(StateDictReader.tensors(zip, parameters(model, "", what), what), options, what);
            }
            if (!cls.equals(NN + "container.Sequential")) {
                throw new ImportException(what + " is a " + simple(cls) + " (" + cls + ")" + modulesOf(model) + "; "
                        + (cls.startsWith(NN) ? "Sequin converts a bare LSTM, GRU or RNN, or an nn.Sequential of supported modules"
                        : "its forward is code, which Sequin does not run or guess: save its state_dict and describe its modules "
                        + "in a row with --arch (docs/ARCHITECTURE.md)"));
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode description = json.createObjectNode();
            ArrayNode layers = description.putArray("layers");
            Map<String, TorchTensor> named = new LinkedHashMap<>();
            for (Map.Entry<String, Unpickler.TorchModule> e : children(model, what).entrySet()) {
                String name = e.getKey();
                Unpickler.TorchModule m = e.getValue();
                ObjectNode layer = layers.addObject();
                layer.put("type", type(m, what + "'s module '" + name + "'"));
                if (!m.state.getOrDefault("_parameters", Map.of()).equals(Map.of())) {
                    layer.put("module", name);
                    named.putAll(parameters(m, name + ".", what));
                }
                if (isRecurrent(m.className)) {
                    TorchRnnImporter.Options options = options(m);
                    description.put("batch_first", options.batchFirst);
                    layer.put("nonlinearity", options.nonlinearity);
                }
            }
            Map<String, Tensor> stateDict = StateDictReader.tensors(zip, named, what);
            return TorchComposite.importModel(stateDict, description, new TorchRnnImporter.Options());
        }
    }

    private static boolean isRecurrent(String cls) {
        return cls.equals(NN + "rnn.LSTM") || cls.equals(NN + "rnn.GRU") || cls.equals(NN + "rnn.RNN");
    }

    /** What an {@code --arch} description calls a module of this class; refused with a message otherwise. */
    private static String type(Unpickler.TorchModule m, String what) throws ImportException {
        String cls = m.className;
        if (isRecurrent(cls)) {
            return "rnn";
        }
        switch (cls) {
            case NN + "sparse.Embedding":
                if (m.state.get("max_norm") != null) {
                    throw new ImportException(what + ": an Embedding with max_norm renormalizes rows as it looks them up; not supported");
                }
                return "embedding";
            case NN + "linear.Linear":
                return "linear";
            case NN + "dropout.Dropout":
                return "dropout";
            case NN + "activation.ReLU":
                return "relu";
            case NN + "activation.Tanh":
                return "tanh";
            case NN + "activation.Sigmoid":
                return "sigmoid";
            case NN + "activation.Softmax":
            case NN + "activation.LogSoftmax": {
                Object dim = m.state.get("dim");
                if (!(dim instanceof Long) || ((Long) dim != -1 && (Long) dim != 2)) {
                    throw new ImportException(what + ": a " + simple(cls) + " over dim " + dim + "; Sequin applies it over the last "
                            + "axis (dim=-1)");
                }
                return cls.endsWith("LogSoftmax") ? "log_softmax" : "softmax";
            }
            default:
                throw new ImportException(what + " is a " + simple(cls) + " (" + cls + "), which Sequin does not convert; an "
                        + "nn.Sequential may hold Embedding, LSTM, GRU, RNN, Dropout, Linear, ReLU, Tanh, Sigmoid, Softmax, LogSoftmax");
        }
    }

    /** A recurrent module's settings, as its attributes record them. */
    private static TorchRnnImporter.Options options(Unpickler.TorchModule m) {
        TorchRnnImporter.Options options = new TorchRnnImporter.Options();
        options.batchFirst = Boolean.TRUE.equals(m.state.get("batch_first"));
        Object nonlinearity = m.state.get("nonlinearity");
        options.nonlinearity = nonlinearity instanceof String ? (String) nonlinearity : "tanh";
        return options;
    }

    /** A module's own parameters ({@code _parameters}), under {@code prefix}; None entries (bias=False) left out. */
    private static Map<String, TorchTensor> parameters(Unpickler.TorchModule m, String prefix, String what) throws ImportException {
        Object p = m.state.get("_parameters");
        if (!(p instanceof Map)) {
            throw new ImportException(what + ": a " + simple(m.className) + " without _parameters");
        }
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) p).entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof TorchTensor)) {
                throw new ImportException(what + ": parameter " + e.getKey() + " of a " + simple(m.className) + " is not a tensor");
            }
            out.put(prefix + e.getKey(), (TorchTensor) e.getValue());
        }
        return out;
    }

    private static Map<String, Unpickler.TorchModule> children(Unpickler.TorchModule m, String what) throws ImportException {
        Object modules = m.state.get("_modules");
        Map<String, Unpickler.TorchModule> out = new LinkedHashMap<>();
        if (modules instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) modules).entrySet()) {
                if (!(e.getKey() instanceof String) || !(e.getValue() instanceof Unpickler.TorchModule)) {
                    throw new ImportException(what + ": module " + e.getKey() + " is not a module");
                }
                out.put((String) e.getKey(), (Unpickler.TorchModule) e.getValue());
            }
        }
        return out;
    }

    /** ": it holds embed (Embedding), rnn (GRU), ..." for a message, or "" without submodules. */
    private static String modulesOf(Unpickler.TorchModule m) {
        Object modules = m.state.get("_modules");
        List<String> parts = new ArrayList<>();
        if (modules instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) modules).entrySet()) {
                String kind = e.getValue() instanceof Unpickler.TorchModule ? simple(((Unpickler.TorchModule) e.getValue()).className) : "?";
                parts.add(e.getKey() + " (" + kind + ")");
            }
        }
        return parts.isEmpty() ? "" : " holding " + String.join(", ", parts);
    }

    private static String simple(String cls) {
        return cls.substring(cls.lastIndexOf('.') + 1);
    }
}
