package io.sequin.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.format.InvalidModelException;
import io.sequin.importer.ImportException;
import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasImporter;
import io.sequin.importer.keras.TfjsReader;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.model.Model;
import io.sequin.npy.Npy;
import io.sequin.tensor.Tensor;
import io.sequin.testing.Allocations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What each input the fuzzers found now gets: the refusal, by type and message. (The fuzz targets
 * replay the same files, but they only check that nothing undocumented escapes.)
 */
class FuzzFindingsTest {
    private static byte[] finding(String target, String name) throws Exception {
        return Files.readAllBytes(Path.of(FuzzFindingsTest.class.getResource(target + "/" + name).toURI()));
    }

    private static Map<String, Tensor> lstmInputs() throws Exception {
        Path data = Path.of(FuzzFindingsTest.class.getResource("/fixtures/onnx/lstm_bidirectional_sequence_lens/data_1").toURI());
        return Map.of("X", Npy.read(data.resolve("X.npy")), "sequence_lens", Npy.read(data.resolve("sequence_lens.npy")),
                "initial_h", Npy.read(data.resolve("initial_h.npy")), "initial_c", Npy.read(data.resolve("initial_c.npy")));
    }

    /** One flipped bit made Y_h's declared hidden width 16777219; the layers make 3. */
    @Test
    void declaredOutputShapeContradictsLayers() throws Exception {
        Model model = Model.load(finding("SqnFuzzTestInputs/loadAndRun", "declared-output-shape-contradicts-layers"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.newSession().run(lstmInputs()));
        assertTrue(e.getMessage().contains("declares output Y_h: float32[2, batch, 16777219] but its layers made [2, 2, 3]"), e.getMessage());
    }

    /** A recurrent layer with an empty output list crashed the session's streaming analysis. */
    @Test
    void recurrentLayerWithoutOutputs() throws Exception {
        byte[] bytes = finding("SqnFuzzTestInputs/loadAndRun", "recurrent-layer-without-outputs");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(bytes));
        assertTrue(e.getMessage().contains("the layer has no outputs; it needs Y, Y_h or Y_c"), e.getMessage());
    }

    /** An ONNX graph that lists an output twice became a .sqn the runtime refuses. */
    @Test
    void onnxGraphOutputListedTwice() throws Exception {
        byte[] bytes = finding("OnnxFuzzTestInputs/importModel", "graph-output-listed-twice");
        ImportException e = assertThrows(ImportException.class, () -> OnnxImporter.importModel(bytes, Map.of()));
        assertTrue(e.getMessage().contains("graph output 'Y_h' is listed twice"), e.getMessage());
    }

    /** A pickle whose GLOBAL name ran to the end without a newline: StringIndexOutOfBoundsException. */
    @Test
    void pickleGlobalNameWithoutNewline() throws Exception {
        Path file = Exercise.file("model.pt", finding("StateDictFuzzTestInputs/importStateDict", "pickle-global-name-without-newline"));
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(file));
        assertTrue(e.getMessage().contains("a GLOBAL name runs past the end of the pickle"), e.getMessage());
    }

    /** A zip entry name that is not UTF-8: ZipFile (JDK 17) threw IllegalArgumentException from its entry iterator. */
    @Test
    void zipEntryNameNotUtf8() throws Exception {
        Path file = Exercise.file("model.pt", finding("StateDictFuzzTestInputs/importStateDict", "zip-entry-name-not-utf8"));
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(file));
        // JDK 17 finds the bad name when listing the entries; JDK 25 already when opening the zip.
        assertTrue(e.getMessage().contains("an entry name is not valid UTF-8")
                || e.getMessage().contains("not a readable zip archive: invalid CEN header (bad entry name"), e.getMessage());
        assertTrue(!StateDictReader.isTorchZip(file));
    }

    /**
     * A Keras .h5 file (15 KB) whose object header declares a block of about a gigabyte: jhdf,
     * reading through a file channel, allocated it before reading (OutOfMemoryError). Read from a
     * mapped buffer, the file is refused having allocated little.
     */
    @Test
    void h5ObjectHeaderAsksForGigabytes() throws Exception {
        Path file = Exercise.file("model.h5", finding("KerasFuzzTestInputs/h5", "object-header-asks-for-gigabytes"));
        ImportException e = Allocations.refusedCheaply(ImportException.class, () -> H5Reader.read(file));
        assertTrue(e.getMessage().startsWith("not a readable HDF5 file"), e.getMessage());
    }

    /** A pickled dict used as a key of itself: hashing it overflowed the stack. Python refuses dict keys. */
    @Test
    void pickleDictHoldingItselfAsAKey() throws Exception {
        Path file = Exercise.file("model.pt", finding("StateDictFuzzTestInputs/importStateDict", "pickle-dict-holding-itself-as-a-key"));
        ImportException e = assertThrows(ImportException.class, () -> StateDictReader.read(file));
        assertTrue(e.getMessage().contains("a dict key that is a dict, which Python cannot hash"), e.getMessage());
    }

    /** Imports a TF.js finding: model.json, a zero byte, weights.bin (as KerasFuzzTest.tfjs splits it). */
    private static ImportException tfjsRefusal(String name) throws Exception {
        Path json = KerasFuzzTest.tfjsFiles(finding("KerasFuzzTestInputs/tfjs", name));
        return assertThrows(ImportException.class,
                () -> KerasImporter.importModel(TfjsReader.read(json)));
    }

    /** A TF.js functional model whose Concatenate has no inbound tensors: IndexOutOfBoundsException. */
    @Test
    void tfjsConcatenateOfNoTensors() throws Exception {
        ImportException e = tfjsRefusal("concatenate-of-no-tensors");
        assertTrue(e.getMessage().contains("a Concatenate of no tensors"), e.getMessage());
    }

    /** A TF.js model listing one output tensor twice became a .sqn the runtime refuses. */
    @Test
    void tfjsModelOutputListedTwice() throws Exception {
        ImportException e = tfjsRefusal("model-output-listed-twice");
        assertTrue(e.getMessage().contains("is listed twice"), e.getMessage());
    }

    /** A TF.js model whose config.layers is an object, not a list: NullPointerException. */
    @Test
    void tfjsLayersNotAList() throws Exception {
        ImportException e = tfjsRefusal("layers-not-a-list");
        assertTrue(e.getMessage().contains("config.layers is not a list of layers"), e.getMessage());
    }
}
