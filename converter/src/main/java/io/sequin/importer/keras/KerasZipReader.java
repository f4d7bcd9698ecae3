package io.sequin.importer.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.sequin.importer.ImportException;
import io.sequin.importer.ZipArchive;
import io.sequin.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a Keras 3 {@code .keras} file (keras {@code saving/saving_lib.py}): a zip of
 * {@code config.json}, {@code metadata.json} (keras_version) and {@code model.weights.h5}, where
 * a layer's variables are datasets {@code layers/<layer name>/<attribute path>/vars/<i>}, i
 * in the order Keras creates them (kernel, recurrent_kernel, bias). A Bidirectional layer's
 * {@code forward_layer} comes before its {@code backward_layer}, as Keras loads them.
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
            List<KerasModel.Weight> weights = new ArrayList<>();
            try (HdfFile h5 = HdfFile.fromBytes(zip.bytes("model.weights.h5"))) {
                Node layers = h5.getChild("layers");
                if (layers instanceof Group) {
                    Set<Long> seen = new HashSet<>();
                    for (Node layer : ((Group) layers).getChildren().values()) {
                        collect(layer, layer.getName(), weights, seen);
                    }
                }
            } catch (RuntimeException e) {
                throw new ImportException("model.weights.h5 is not a readable HDF5 file: " + e.getMessage());
            }
            return new KerasModel(config, weights, version, "keras");
        } catch (IOException e) {
            throw new ImportException("the .keras zip: config.json or metadata.json is not JSON: " + e.getMessage());
        }
    }

    /**
     * Every dataset under a layer's group, named "<layer>/<path>", in Keras's variable order. An
     * object reached twice (HDF5 hard links can make a group its own descendant, or make a few
     * groups reach the same datasets by exponentially many paths) is refused: Keras links nothing twice.
     */
    private static void collect(Node node, String path, List<KerasModel.Weight> out, Set<Long> seen)
            throws ImportException {
        if ((node instanceof Dataset || node instanceof Group) && !seen.add(node.getAddress())) {
            throw new ImportException("model.weights.h5: " + path + " is an object already reached by another path");
        }
        if (node instanceof Dataset) {
            Dataset d = (Dataset) node;
            out.add(new KerasModel.Weight(path, H5Reader.floats(d, path)));
            return;
        }
        if (!(node instanceof Group)) {
            return;
        }
        List<Node> children = new ArrayList<>(((Group) node).getChildren().values());
        children.sort(Comparator.comparing(KerasZipReader::order));
        for (Node child : children) {
            collect(child, path + "/" + child.getName(), out, seen);
        }
    }

    /** Variables by index (2 after 10 would be wrong as text), the forward layer before the backward one. */
    private static String order(Node n) {
        String name = n.getName();
        if (name.matches("\\d+")) {
            return String.format("%010d", Long.parseLong(name));
        }
        return name.equals("forward_layer") ? "0" : name.equals("backward_layer") ? "1" : "2" + name;
    }
}
