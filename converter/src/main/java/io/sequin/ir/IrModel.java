package io.sequin.ir;

import io.sequin.model.TensorSpec;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A model between an importer and the writer: signature, named constants, layers in run order. */
public final class IrModel {
    public final List<TensorSpec> inputs = new ArrayList<>();
    public final List<TensorSpec> outputs = new ArrayList<>();
    public final Map<String, Tensor> constants = new LinkedHashMap<>();
    public final List<IrLayer> layers = new ArrayList<>();
    /** The format converted from, such as {@code onnx}. */
    public String sourceFormat = "";
    /** SHA-256 of the source file, hex. */
    public String sourceSha256 = "";

    /** The lowest .sqn format version that can hold this model. */
    public int formatVersion() {
        int v = 1;
        for (IrLayer l : layers) {
            v = Math.max(v, l.formatVersion());
        }
        return v;
    }
}
