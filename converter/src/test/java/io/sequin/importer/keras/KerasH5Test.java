package io.sequin.importer.keras;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sequin.importer.ImportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged Keras HDF5 files fail with an ImportException; good ones are checked in OnnxFixtureTest (fixtures/keras-h5). */
class KerasH5Test {
    @TempDir
    Path tmp;

    @Test
    void truncatedAndGarbageFilesAreRefusedCleanly() throws Exception {
        Path good = Path.of(KerasH5Test.class.getResource("/fixtures/keras-h5/lstm_go_backwards_last/model.h5").toURI());
        byte[] bytes = Files.readAllBytes(good);
        for (int cut : new int[] {16, 512, bytes.length / 2}) {
            Path bad = Files.write(tmp.resolve("cut" + cut + ".h5"), Arrays.copyOf(bytes, cut));
            assertThrows(ImportException.class, () -> KerasImporter.importModel(H5Reader.read(bad)), "cut at " + cut);
        }
        byte[] noise = Arrays.copyOf(bytes, bytes.length);
        for (int i = 600; i < noise.length; i += 7) {
            noise[i] ^= 0x5A;
        }
        Path scrambled = Files.write(tmp.resolve("noise.h5"), noise);
        assertThrows(ImportException.class, () -> KerasImporter.importModel(H5Reader.read(scrambled)));
    }

    @Test
    void aWeightsOnlyFileSaysWhatIsMissing() throws Exception {
        // An HDF5 file without model_config: what save_weights writes.
        Path empty = tmp.resolve("weights.h5");
        try (var w = io.jhdf.HdfFile.write(empty)) {
            w.putGroup("model_weights");
        }
        ImportException e = assertThrows(ImportException.class, () -> H5Reader.read(empty));
        assertTrue(e.getMessage().contains("model_config"), e.getMessage());
    }
}
