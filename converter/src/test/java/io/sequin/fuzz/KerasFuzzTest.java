package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.importer.ImportException;
import io.sequin.importer.keras.H5Reader;
import io.sequin.importer.keras.KerasImporter;
import io.sequin.importer.keras.KerasModel;
import io.sequin.importer.keras.KerasZipReader;
import io.sequin.importer.keras.TfjsReader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes the Keras importers, one target per container: a Keras 2 {@code .h5} file (HDF5 through
 * jhdf), a Keras 3 {@code .keras} zip, and a TF.js {@code model.json} with its weight shard. Any
 * input is either refused with {@link ImportException} or becomes a model the runtime loads and
 * runs. Seeds: the Keras fixtures.
 */
class KerasFuzzTest {
    @FuzzTest
    void h5(byte[] data) {
        KerasModel model;
        try {
            model = H5Reader.read(Exercise.file("model.h5", data));
        } catch (ImportException e) {
            return;
        }
        convert(model);
    }

    @FuzzTest
    void kerasZip(byte[] data) {
        KerasModel model;
        try {
            model = KerasZipReader.read(Exercise.file("model.keras", data));
        } catch (ImportException e) {
            return;
        }
        convert(model);
    }

    /**
     * The input is {@code model.json}, a zero byte, then the weight shard {@code weights.bin}
     * (JSON has no raw zero byte, so the split survives most mutations).
     */
    @FuzzTest
    void tfjs(byte[] data) {
        KerasModel model;
        try {
            model = TfjsReader.read(tfjsFiles(data));
        } catch (ImportException e) {
            return;
        }
        convert(model);
    }

    /** Writes a TF.js input as model.json beside weights.bin, split at its first zero byte; returns model.json. */
    static Path tfjsFiles(byte[] data) {
        int split = 0;
        while (split < data.length && data[split] != 0) {
            split++;
        }
        Exercise.file("weights.bin", split < data.length ? Arrays.copyOfRange(data, split + 1, data.length) : new byte[0]);
        return Exercise.file("model.json", Arrays.copyOf(data, split));
    }

    private static void convert(KerasModel model) {
        try {
            Exercise.convertedModel(KerasImporter.importModel(model));
        } catch (ImportException e) {
            // Documented: a readable file that describes a model Sequin does not convert.
        }
    }
}
