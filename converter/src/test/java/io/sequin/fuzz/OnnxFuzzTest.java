package io.sequin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sequin.importer.ImportException;
import io.sequin.importer.onnx.OnnxImporter;
import io.sequin.ir.IrModel;
import java.util.Map;

/**
 * Fuzzes the ONNX importer: any bytes are either refused with {@link ImportException} or become a
 * model the runtime loads and runs. Seeds: the ONNX fixtures (ONNX's own generators and
 * {@code torch.onnx.export}).
 */
class OnnxFuzzTest {
    @FuzzTest
    void importModel(byte[] data) {
        IrModel ir;
        try {
            ir = OnnxImporter.importModel(data, Map.of());
        } catch (ImportException e) {
            return;
        }
        Exercise.convertedModel(ir);
    }
}
