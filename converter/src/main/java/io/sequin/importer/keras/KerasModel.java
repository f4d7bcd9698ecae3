package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sequin.tensor.Tensor;
import java.util.List;

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

    /** Whether a layer config is a model (a Sequential used as a layer), whose layers the importer splices in. */
    static boolean isNestedModel(JsonNode layer) {
        return layer.path("class_name").asText("").equals("Sequential") && layer.path("config").path("layers").isArray();
    }
}
