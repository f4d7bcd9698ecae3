package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.importer.ImportException;
import io.sequin.importer.pytorch.StateDictReader;
import io.sequin.importer.pytorch.TorchRnnImporter;
import io.sequin.ir.IrModel;
import io.sequin.tensor.Tensor;
import java.util.Map;

/**
 * Fuzzes the PyTorch state_dict reader (zip, then the pickle through our restricted unpickler)
 * and the recurrent importer: any file is either refused with {@link ImportException} or becomes a
 * model the runtime loads and runs. Seeds: the state_dict fixtures that {@code torch.save} wrote.
 */
class StateDictFuzzTest {
    @FuzzTest
    void importStateDict(byte[] data) {
        IrModel ir;
        try {
            Map<String, Tensor> stateDict = StateDictReader.read(Exercise.file("model.pt", data));
            ir = TorchRnnImporter.importModel(stateDict, new TorchRnnImporter.Options(), "state_dict");
        } catch (ImportException e) {
            return;
        }
        Exercise.convertedModel(ir);
    }
}
