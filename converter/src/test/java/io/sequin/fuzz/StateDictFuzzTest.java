package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.importer.ImportException;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.importer.pytorch.TorchModuleImporter;
import io.sequin.importer.pytorch.TorchRnnImporter;
import io.sequin.ir.IrModel;
import io.sequin.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzzes the PyTorch state_dict reader (zip, then the pickle through our restricted unpickler)
 * and the recurrent importer, and whole models (TorchModuleImporter): any file is either refused
 * with {@link ImportException} or becomes a model the runtime loads and runs. Seeds: the fixtures
 * that {@code torch.save} wrote.
 */
class StateDictFuzzTest {
    @FuzzTest
    void importStateDict(byte[] data) {
        IrModel ir;
        try {
            Path file = Exercise.file("model.pt", data);
            if (StateDictReader.holdsModel(file)) {
                // A whole model (torch.save(model)): its modules read as names and attributes, never run.
                ir = TorchModuleImporter.importModel(file);
            } else {
                Map<String, Tensor> stateDict = StateDictReader.read(file);
                ir = TorchRnnImporter.importModel(stateDict, new TorchRnnImporter.Options(), "state_dict");
            }
        } catch (ImportException e) {
            return;
        }
        Exercise.convertedModel(ir);
    }
}
