package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a legacy Keras HDF5 file written by {@code model.save("x.h5")} (Keras 2 {@code
 * engine/saving.py}, Keras 3 {@code legacy/saving/legacy_h5_format.py}): the root attribute
 * {@code model_config} (JSON), and the weights under {@code model_weights}, layer by layer in
 * the order of its {@code layer_names} attribute, each layer's in the order of its
 * {@code weight_names} (the order Keras loads them in). HDF5 is read by jhdf.
 */
public final class H5Reader {
    /** An architecture is a few kilobytes of JSON; more is not one, and is not read into memory. */
    private static final long MAX_ARCHITECTURE_BYTES = 64L << 20;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private H5Reader() {
    }

    /** Whether a file starts with the HDF5 signature. */
    public static boolean isHdf5(Path file) {
        try (var in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(8), SIGNATURE);
        } catch (IOException e) {
            return false;
        }
    }

    public static KerasModel read(Path file) throws ImportException {
        try (HdfFile h5 = HdfFile.fromByteBuffer(mapped(file))) {
            String config = text(h5.getAttribute("model_config"));
            if (config == null) {
                throw new ImportException("the HDF5 file has no model_config attribute: it holds weights only (model.save_weights); "
                        + "convert the architecture (model.to_json()) with --keras-weights " + file.getFileName());
            }
            JsonNode json = new ObjectMapper().readTree(config);
            Group weights = h5.getChild("model_weights") instanceof Group ? (Group) h5.getChild("model_weights") : h5;
            String version = text(h5.getAttribute("keras_version"));
            if (version == null) {
                version = text(weights.getAttribute("keras_version"));
            }
            List<KerasModel.Weight> out = listedWeights(weights, "model_weights/");
            // Keras' own loader takes a file without keras_version for Keras 1 (engine/saving.py).
            return new KerasModel(json, out, version == null ? "1" : version, "h5");
        } catch (IOException e) {
            throw new ImportException("the model_config attribute is not JSON: " + e.getMessage());
        } catch (ImportException e) {
            throw e;
        } catch (RuntimeException e) {
            // jhdf reports a damaged file with its own unchecked exceptions.
            throw new ImportException("not a readable HDF5 file: " + e.getMessage());
        }
    }

    /**
     * A model given as two files: its architecture as {@code model.to_json()} wrote it, and its
     * weights as {@code model.save_weights()} did, either Keras 1 and 2's HDF5 (the root's
     * {@code layer_names} and each group's {@code weight_names}, as in a whole-model file's
     * {@code model_weights}) or a Keras 3 / tf.keras {@code .weights.h5} (datasets under
     * {@code layers/<stored name>/...}, as in a {@code .keras} zip; see {@link KerasZipReader}).
     * The Keras version is the architecture's {@code keras_version}, else the weights file's, else
     * 3 for a {@code .weights.h5} (Keras 3's {@code to_json} records none) and 1 for the others
     * (Keras' own rule for a file without one).
     */
    public static KerasModel read(Path architecture, Path weightsFile) throws ImportException {
        JsonNode json = architecture(architecture);
        try (HdfFile h5 = HdfFile.fromByteBuffer(mapped(weightsFile))) {
            Group weights = h5.getChild("model_weights") instanceof Group ? (Group) h5.getChild("model_weights") : h5;
            String version = json.path("keras_version").asText(null);
            if (version == null) {
                version = text(weights.getAttribute("keras_version"));
            }
            List<KerasModel.Weight> out;
            if (!names(weights, "layer_names").isEmpty()) {
                out = listedWeights(weights, weights == h5 ? "" : "model_weights/");
            } else if (h5.getChildren().keySet().stream().anyMatch(n -> n.equals("layers") || n.startsWith("layers\\"))) {
                out = KerasZipReader.layerWeights(h5, json, weightsFile.getFileName().toString());
                // Keras 3's to_json records no version, and only Keras 3 and tf.keras 2.13 on write these files.
                version = version == null ? "3" : version;
            } else {
                throw new ImportException(weightsFile.getFileName() + ": neither a layer_names attribute (Keras 1 and 2 "
                        + "save_weights) nor a layers group (Keras 3 .weights.h5): not a file of Keras weights");
            }
            return new KerasModel(json, out, version == null ? "1" : version, "h5");
        } catch (ImportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ImportException(weightsFile.getFileName() + ": not a readable HDF5 file: " + e.getMessage());
        }
    }

    /** Whether a file is a model's architecture as model.to_json() writes it: a JSON object with class_name and config. */
    public static boolean isArchitecture(Path file) {
        try {
            if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") || Files.size(file) > MAX_ARCHITECTURE_BYTES) {
                return false;
            }
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            return root.has("class_name") && root.has("config") && !root.has("modelTopology");
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode architecture(Path file) throws ImportException {
        try {
            if (Files.size(file) > MAX_ARCHITECTURE_BYTES) {
                throw new ImportException(file.getFileName() + ": " + Files.size(file) + " bytes, more than an architecture's "
                        + MAX_ARCHITECTURE_BYTES);
            }
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            if (!json.has("class_name") || !json.has("config")) {
                throw new ImportException(file.getFileName() + ": not a model's architecture (model.to_json()): no class_name and config");
            }
            return json;
        } catch (IOException e) {
            throw new ImportException(file.getFileName() + ": not JSON: " + e.getMessage());
        }
    }

    /**
     * The weights a Keras 1 or 2 file lists: layer by layer in {@code layer_names} order, each
     * layer's in {@code weight_names} order (the order Keras loads them in); {@code where} prefixes
     * the paths in messages.
     */
    private static List<KerasModel.Weight> listedWeights(Group weights, String where) throws ImportException {
        List<KerasModel.Weight> out = new ArrayList<>();
        // Keras lists each weight once; a dataset listed again would be read again, and
        // 65,536 names of one large dataset would make gigabytes out of megabytes.
        Set<Long> seen = new HashSet<>();
        for (String layer : names(weights, "layer_names")) {
            Node g = weights.getChild(layer);
            if (!(g instanceof Group)) {
                throw new ImportException(where + layer + " is listed in layer_names but is not a group");
            }
            for (String w : names((Group) g, "weight_names")) {
                Node d = ((Group) g).getByPath(w);
                if (!(d instanceof Dataset)) {
                    throw new ImportException(where + layer + "/" + w + " is listed in weight_names but is not a dataset");
                }
                if (!seen.add(d.getAddress())) {
                    throw new ImportException(where + layer + "/" + w + " is a dataset already listed as another weight");
                }
                out.add(new KerasModel.Weight(layer + "/" + w, floats((Dataset) d, layer + "/" + w)));
            }
        }
        return out;
    }

    /**
     * The file as a read-only mapped buffer. jhdf reading a file through its channel allocates
     * each block at the size the file declares before reading it, so a 15 KB file could ask for
     * gigabytes (found by fuzzing); over a buffer, a block past the end fails without allocating.
     */
    private static java.nio.ByteBuffer mapped(Path file) throws ImportException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            long size = channel.size();
            if (size > Limits.MAX_FILE_BYTES) {
                throw new ImportException("the HDF5 file is " + size + " bytes, more than " + Limits.MAX_FILE_BYTES);
            }
            return channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (IOException e) {
            throw new ImportException("cannot read the HDF5 file: " + e);
        }
    }

    /** A string-list attribute, Keras's way: whole, or split over name0, name1, ... when long. */
    private static List<String> names(Node node, String attribute) throws ImportException {
        List<String> out = new ArrayList<>();
        if (node.getAttribute(attribute) != null) {
            addAll(out, node.getAttribute(attribute).getData());
            return out;
        }
        for (int i = 0; node.getAttribute(attribute + i) != null; i++) {
            addAll(out, node.getAttribute(attribute + i).getData());
        }
        if (out.size() > Limits.MAX_COUNT) {
            throw new ImportException(attribute + " lists more than " + Limits.MAX_COUNT + " names");
        }
        return out;
    }

    private static void addAll(List<String> out, Object data) {
        if (data instanceof String[]) {
            out.addAll(List.of((String[]) data));
        } else if (data instanceof String) {
            out.add((String) data);
        }
    }

    private static String text(Attribute a) {
        if (a == null) {
            return null;
        }
        Object d = a.getData();
        if (d instanceof String) {
            return (String) d;
        }
        if (d instanceof String[] && ((String[]) d).length == 1) {
            return ((String[]) d)[0];
        }
        if (d instanceof byte[]) {
            return new String((byte[]) d, java.nio.charset.StandardCharsets.UTF_8);
        }
        return null;
    }

    static Tensor floats(Dataset d, String name) throws ImportException {
        int[] shape = d.getDimensions();
        if (shape.length > Limits.MAX_RANK) {
            throw new ImportException("weight " + name + " has rank " + shape.length + ", more than " + Limits.MAX_RANK);
        }
        long count = 1;
        for (int s : shape) {
            // Checked at every factor: eight dimensions of 2^31 would overflow a long.
            count *= s;
            if (s < 0 || count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new ImportException("weight " + name + " has shape " + Arrays.toString(shape) + ": "
                        + (s < 0 ? "a negative dimension" : "more than " + Limits.MAX_TENSOR_ELEMENTS + " elements"));
            }
        }
        if (count > 0 && d.isEmpty()) {
            // Unwritten storage reads as fill values: data out of nothing, as much as the shape says.
            throw new ImportException("weight " + name + " has shape " + Arrays.toString(shape)
                    + " but no data in the file (its storage was never written)");
        }
        Object data = count == 0 ? new float[0] : d.getDataFlat();
        float[] v;
        if (data instanceof float[]) {
            v = (float[]) data;
        } else if (data instanceof double[]) {
            double[] dd = (double[]) data;
            v = new float[dd.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) dd[i];
            }
        } else {
            throw new ImportException("weight " + name + " holds " + d.getJavaType().getSimpleName() + ", not floats");
        }
        return Tensor.ofFloats(shape, v);
    }
}
