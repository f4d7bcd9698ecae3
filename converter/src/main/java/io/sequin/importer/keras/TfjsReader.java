package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.tensor.HalfFloats;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a TF.js layers model (tfjs-core {@code io/types.ts}): {@code model.json} with the Keras
 * topology and a weights manifest, and the weight shards it names, concatenated in manifest
 * order, little-endian. Quantized weights are widened: uint8/uint16 as {@code q * scale + min},
 * float16 as a plain cast.
 */
public final class TfjsReader {
    private TfjsReader() {
    }

    /** Whether a file is a TF.js layers model.json. */
    public static boolean isTfjs(Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return false;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            return root.has("modelTopology") && root.has("weightsManifest");
        } catch (IOException e) {
            return false;
        }
    }

    /** The model's topology and its weights in manifest order. */
    public static KerasModel read(Path modelJson) throws ImportException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(modelJson.toFile());
        } catch (IOException e) {
            throw new ImportException("not readable as JSON: " + e.getMessage());
        }
        JsonNode topology = root.path("modelTopology");
        if (topology.has("model_config")) {
            topology = topology.get("model_config");
        }
        if (!topology.isObject()) {
            throw new ImportException("model.json has no modelTopology");
        }
        List<KerasModel.Weight> weights = new ArrayList<>();
        Path dir = modelJson.toAbsolutePath().normalize().getParent();
        for (JsonNode group : root.path("weightsManifest")) {
            byte[] data = shards(dir, group.path("paths"));
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode spec : group.path("weights")) {
                weights.add(weight(spec, b));
            }
            if (b.hasRemaining()) {
                throw new ImportException("weight shards " + group.path("paths") + " hold " + b.remaining() + " bytes past the last weight");
            }
        }
        String version = root.path("modelTopology").path("keras_version").asText("");
        return new KerasModel(topology, weights, version.isEmpty() ? "tfjs" : version, "tfjs");
    }

    private static byte[] shards(Path dir, JsonNode paths) throws ImportException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (JsonNode p : paths) {
            Path shard = dir.resolve(p.asText()).normalize();
            if (!shard.startsWith(dir)) {
                throw new ImportException("weight shard '" + p.asText() + "' lies outside the model's folder");
            }
            try {
                if (Files.size(shard) + out.size() > Limits.MAX_FILE_BYTES) {
                    throw new ImportException("weight shards exceed " + Limits.MAX_FILE_BYTES + " bytes");
                }
                out.writeBytes(Files.readAllBytes(shard));
            } catch (IOException e) {
                throw new ImportException("weight shard '" + p.asText() + "': " + e.getMessage());
            }
        }
        return out.toByteArray();
    }

    private static KerasModel.Weight weight(JsonNode spec, ByteBuffer b) throws ImportException {
        String name = spec.path("name").asText();
        JsonNode shapeNode = spec.path("shape");
        if (shapeNode.size() > Limits.MAX_RANK) {
            throw new ImportException("weight '" + name + "' has rank " + shapeNode.size());
        }
        int[] shape = new int[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = shapeNode.get(i).asLong(-1);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new ImportException("weight '" + name + "' has dimension " + shapeNode.get(i));
            }
            shape[i] = (int) d;
            count *= d;
            if (count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new ImportException("weight '" + name + "' has more than " + Limits.MAX_TENSOR_ELEMENTS + " elements");
            }
        }
        String dtype = spec.path("dtype").asText("float32");
        JsonNode q = spec.path("quantization");
        String stored = q.isObject() ? q.path("dtype").asText() : dtype;
        if (!dtype.equals("float32")) {
            throw new ImportException("weight '" + name + "' is " + dtype + "; Sequin reads float32 weights");
        }
        int bytes = stored.equals("float32") ? 4 : stored.equals("uint8") ? 1 : stored.equals("uint16") || stored.equals("float16") ? 2 : -1;
        if (bytes < 0) {
            throw new ImportException("weight '" + name + "' is stored as " + stored + ", which Sequin does not read");
        }
        if ((long) b.remaining() < count * bytes) {
            throw new ImportException("weight '" + name + "' needs " + count * bytes + " bytes; the shards have " + b.remaining() + " left");
        }
        float scale = (float) q.path("scale").asDouble(1);
        float min = (float) q.path("min").asDouble(0);
        float[] v = new float[(int) count];
        for (int i = 0; i < v.length; i++) {
            switch (stored) {
                case "float32":
                    v[i] = b.getFloat();
                    break;
                case "float16":
                    v[i] = HalfFloats.f16ToFloat(b.getShort());
                    break;
                case "uint8":
                    v[i] = (b.get() & 0xFF) * scale + min;
                    break;
                default:
                    v[i] = (b.getShort() & 0xFFFF) * scale + min;
            }
        }
        return new KerasModel.Weight(name, Tensor.ofFloats(shape, v));
    }
}
