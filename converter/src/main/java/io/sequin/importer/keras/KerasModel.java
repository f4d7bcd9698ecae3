package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sequin.importer.ImportException;
import io.sequin.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras model as its files hold it, whatever the container (TF.js model.json, legacy .h5,
 * .keras): the model config ({@code {"class_name", "config"}}), the weights in the order Keras
 * saves and loads them (layer by layer, each layer's own order), and who wrote it, which decides
 * what some names mean ({@code hard_sigmoid}).
 */
public final class KerasModel {
    /** One saved weight array, by the name its file gives it. */
    public static final class Weight {
        final String name;
        final Tensor value;

        public Weight(String name, Tensor value) {
            this.name = name;
            this.value = value;
        }
    }

    final JsonNode config;
    final List<Weight> weights;
    /** keras_version as recorded, such as "2.1.4", "3.8.0" or "tfjs-layers 4.22.0". */
    final String kerasVersion;
    /** "tfjs", "h5" or "keras". */
    final String container;

    public KerasModel(JsonNode config, List<Weight> weights, String kerasVersion, String container) {
        this.config = config;
        this.weights = weights;
        this.kerasVersion = kerasVersion;
        this.container = container;
    }

    /**
     * A Sequential's layers with every Sequential used as a layer replaced by its own layers (its
     * InputLayer left out): in a chain, a nested chain is the same chain. Its layers' weights are
     * named for them by the readers.
     */
    static JsonNode flattenSequential(JsonNode layers) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode layer : layers) {
            if (isNestedModel(layer)) {
                for (JsonNode inner : flattenSequential(layer.path("config").path("layers"))) {
                    if (!inner.path("class_name").asText("").equals("InputLayer")) {
                        out.add(inner);
                    }
                }
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    /**
     * A functional model's layers with every Sequential used as a layer replaced by its own layers
     * (its InputLayer left out): the first reads what the Sequential was called on, each next one
     * the one before, and whatever read the Sequential's output (a later layer, the model's
     * output_layers) reads the last one's. Returns the layers and the output_layers, rewritten.
     *
     * @throws ImportException if a Sequential is called more than once (shared), or is empty
     */
    static JsonNode[] flattenFunctional(JsonNode layers, JsonNode outputLayers) throws ImportException {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        JsonNode outputs = outputLayers.deepCopy();
        Map<String, String> spliced = new LinkedHashMap<>();
        for (JsonNode layer : layers) {
            if (!isNestedModel(layer)) {
                out.add(layer.deepCopy());
                continue;
            }
            String name = layer.has("name") ? layer.path("name").asText("") : layer.path("config").path("name").asText("");
            if (layer.path("inbound_nodes").size() != 1) {
                throw new ImportException("the nested Sequential '" + name + "' is called " + layer.path("inbound_nodes").size()
                        + " times; Sequin splices a nested model called once");
            }
            JsonNode inbound = layer.path("inbound_nodes");
            String last = null;
            for (JsonNode inner : flattenSequential(layer.path("config").path("layers"))) {
                if (inner.path("class_name").asText("").equals("InputLayer")) {
                    continue;
                }
                ObjectNode copy = inner.deepCopy();
                String innerName = inner.has("name") ? inner.path("name").asText("") : inner.path("config").path("name").asText("");
                copy.put("name", innerName);
                copy.set("inbound_nodes", last == null ? inbound.deepCopy() : callOn(last));
                out.add(copy);
                last = innerName;
            }
            if (last == null) {
                throw new ImportException("the nested Sequential '" + name + "' has no layers");
            }
            spliced.put(name, last);
        }
        // Layers after a nested model (and the model's outputs) read its last layer instead.
        for (var e : spliced.entrySet()) {
            for (JsonNode layer : out) {
                renameInbound(layer.path("inbound_nodes"), e.getKey(), e.getValue());
            }
            renameInbound(outputs, e.getKey(), e.getValue());
        }
        return new JsonNode[] {out, outputs};
    }

    /** Inbound nodes that call a layer on output 0 of {@code layer}, as Keras 2 writes them. */
    private static JsonNode callOn(String layer) {
        ArrayNode ref = JsonNodeFactory.instance.arrayNode().add(layer).add(0).add(0).add(JsonNodeFactory.instance.objectNode());
        return JsonNodeFactory.instance.arrayNode().add(JsonNodeFactory.instance.arrayNode().add(ref));
    }

    /** Every reference to {@code from} in inbound nodes (Keras 2's [name, node, tensor, ...] or Keras 3's keras_history) names {@code to}. */
    private static void renameInbound(JsonNode n, String from, String to) {
        if (n.isObject()) {
            JsonNode history = n.path("keras_history");
            if (history.isArray() && history.size() > 0 && history.get(0).asText("").equals(from)) {
                ((ArrayNode) history).set(0, to);
            }
            n.elements().forEachRemaining(child -> renameInbound(child, from, to));
        } else if (n.isArray()) {
            if (n.size() >= 3 && n.get(0).isTextual() && n.get(1).isInt()) {
                if (n.get(0).asText().equals(from)) {
                    ((ArrayNode) n).set(0, to);
                }
                return;
            }
            n.elements().forEachRemaining(child -> renameInbound(child, from, to));
        }
    }

    /** Whether a layer config is a model (a Sequential used as a layer), whose layers the importer splices in. */
    static boolean isNestedModel(JsonNode layer) {
        return layer.path("class_name").asText("").equals("Sequential") && layer.path("config").path("layers").isArray();
    }
}
