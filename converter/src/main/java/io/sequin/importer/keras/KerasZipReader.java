package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.importer.ZipArchive;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code .keras} file of Keras 3 or tf.keras 2.13 and later ({@code saving/saving_lib.py}):
 * a zip of {@code config.json}, {@code metadata.json} (keras_version) and {@code model.weights.h5},
 * where a layer's variables are datasets {@code layers/<stored name>/<attribute path>/vars/<i>},
 * i in the order Keras creates them (kernel, recurrent_kernel, bias). A Bidirectional layer's
 * {@code forward_layer} comes before its {@code backward_layer}, as Keras loads them.
 *
 * <p>The stored name is not the layer's configured name: {@code _save_container_state} names the
 * layers of {@code model.layers} by class, in snake case ({@code LSTM} -> {@code lstm},
 * {@code SimpleRNN} -> {@code simple_rnn}), the second and later layers of one class with
 * {@code _1}, {@code _2}, ... So a model whose LSTM is called {@code lstm_15} (built after other
 * models in one Python session) or {@code encoder} keeps its weights under {@code layers/lstm}.
 * The reader names each weight after the configured layer it belongs to, which is what the
 * importer looks up.
 */
public final class KerasZipReader {
    private KerasZipReader() {
    }

    /** Whether a file is a zip holding config.json and model.weights.h5. */
    public static boolean isKerasZip(Path file) {
        try (ZipArchive zip = ZipArchive.open(file, "the .keras zip")) {
            return zip.has("config.json") && zip.has("model.weights.h5");
        } catch (ImportException e) {
            return false;
        }
    }

    public static KerasModel read(Path file) throws ImportException {
        try (ZipArchive zip = ZipArchive.open(file, "the .keras zip")) {
            ObjectMapper json = new ObjectMapper();
            JsonNode config = json.readTree(zip.bytes("config.json"));
            String version = !zip.has("metadata.json") ? ""
                    : json.readTree(zip.bytes("metadata.json")).path("keras_version").asText("");
            List<KerasModel.Weight> weights;
            try (HdfFile h5 = HdfFile.fromBytes(zip.bytes("model.weights.h5"))) {
                weights = layerWeights(h5, config, "model.weights.h5");
            } catch (RuntimeException e) {
                throw new ImportException("model.weights.h5 is not a readable HDF5 file: " + e.getMessage());
            }
            return new KerasModel(config, weights, version, "keras");
        } catch (IOException e) {
            throw new ImportException("the .keras zip: config.json or metadata.json is not JSON: " + e.getMessage());
        }
    }

    /**
     * The configured name of each layer by the name its weights are stored under: the layers of
     * the config in order (model.layers' order), each named by its class in snake case, counted
     * per class. A layer config without a class or name is left to the importer to refuse.
     */
    static Map<String, String> configuredNames(JsonNode config) {
        Map<String, String> names = new HashMap<>();
        layersByStored(config).forEach((stored, layer) -> names.put(stored, name(layer)));
        return names;
    }

    /** Each layer's config by the name its weights are stored under (see {@link #configuredNames}). */
    private static Map<String, JsonNode> layersByStored(JsonNode config) {
        JsonNode inner = config.path("config");
        JsonNode layers = inner.isArray() ? inner : inner.path("layers");
        Map<String, JsonNode> byStored = new HashMap<>();
        Map<String, Integer> used = new HashMap<>();
        for (JsonNode layer : layers) {
            String cls = layer.path("class_name").asText("");
            if (cls.isEmpty() || name(layer).isEmpty()) {
                continue;
            }
            String stored = snakeCase(cls);
            Integer n = used.merge(stored, 0, (a, b) -> a + 1);
            byStored.put(n == 0 ? stored : stored + "_" + n, layer);
        }
        return byStored;
    }

    private static String name(JsonNode layer) {
        return layer.has("name") ? layer.path("name").asText("") : layer.path("config").path("name").asText("");
    }

    /**
     * The importer's name of a stored weight, {@code <layer>/<attribute path>}: the configured
     * name of the layer it belongs to. A model nested in the model keeps its layers' weights under
     * {@code layers/<its stored name>/layers/<inner stored name>/...}; the importer splices its
     * layers into the outer ones, so such a weight is named for its inner layer.
     */
    private static String weightName(List<String> path, JsonNode config) {
        JsonNode model = config;
        int at = 1;
        String layerName = path.get(1);
        while (true) {
            JsonNode layer = layersByStored(model).get(path.get(at));
            if (layer == null) {
                layerName = path.get(at);
                break;
            }
            layerName = name(layer);
            if (KerasModel.isNestedModel(layer) && path.size() > at + 2 && path.get(at + 1).equals("layers")) {
                model = layer;
                at += 2;
                continue;
            }
            break;
        }
        return layerName + "/" + String.join("/", path.subList(at + 1, path.size()));
    }

    /** Keras' naming.to_snake_case: {@code SimpleRNN} -> {@code simple_rnn}, {@code LSTM} -> {@code lstm}. */
    static String snakeCase(String className) {
        String name = className.replaceAll("\\W+", "");
        name = name.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /**
     * The layers' variables of a Keras 3 weights file ({@code model.weights.h5} in a .keras zip,
     * or a {@code *.weights.h5} from {@code save_weights}), each named "<configured layer>/<path>",
     * in Keras's variable order. Group names written on Windows hold backslashes
     * ({@code layers\gru\cell} is one group at the root), so a path is read with them as
     * separators. An object reached twice (HDF5 hard links can make a group its own descendant, or
     * make a few groups reach the same datasets by exponentially many paths) is refused: Keras
     * links nothing twice.
     */
    static List<KerasModel.Weight> layerWeights(Group root, JsonNode config, String file) throws ImportException {
        List<List<String>> paths = new ArrayList<>();
        List<Dataset> datasets = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Node child : root.getChildren().values()) {
            walk(child, List.of(child.getName().split("\\\\")), paths, datasets, seen, file);
        }
        Integer[] order = new Integer[paths.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> comparePaths(paths.get(x), paths.get(y)));
        List<KerasModel.Weight> out = new ArrayList<>();
        Set<List<String>> names = new HashSet<>();
        for (int i : order) {
            List<String> path = paths.get(i);
            String joined = String.join("/", path);
            if (!names.add(path)) {
                throw new ImportException(file + ": two weights at " + joined);
            }
            String name = weightName(path, config);
            out.add(new KerasModel.Weight(name, H5Reader.floats(datasets.get(i), name)));
        }
        return out;
    }

    /** Collects the datasets below {@code layers/}: their paths (as components) and themselves. */
    private static void walk(Node node, List<String> path, List<List<String>> paths, List<Dataset> datasets, Set<Long> seen,
                             String file) throws ImportException {
        if (!path.get(0).equals("layers")) {
            return;
        }
        if ((node instanceof Dataset || node instanceof Group) && !seen.add(node.getAddress())) {
            throw new ImportException(file + ": " + String.join("/", path) + " is an object already reached by another path");
        }
        if (node instanceof Dataset) {
            if (path.size() > 2) {
                paths.add(path);
                datasets.add((Dataset) node);
            }
            return;
        }
        if (!(node instanceof Group) || path.size() > Limits.MAX_RANK * 4) {
            return;
        }
        for (Node child : ((Group) node).getChildren().values()) {
            List<String> next = new ArrayList<>(path);
            next.addAll(List.of(child.getName().split("\\\\")));
            walk(child, next, paths, datasets, seen, file);
        }
    }

    /** Component by component, as Keras creates and loads the variables ({@link #order}). */
    private static int comparePaths(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = order(a.get(i)).compareTo(order(b.get(i)));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Variables by index (2 after 10 would be wrong as text), the forward layer before the backward one. */
    private static String order(String name) {
        if (name.matches("\\d+")) {
            return String.format("%010d", Long.parseLong(name));
        }
        return name.equals("forward_layer") ? "0" : name.equals("backward_layer") ? "1" : "2" + name;
    }
}
