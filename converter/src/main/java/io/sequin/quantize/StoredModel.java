package io.sequin.quantize;

import io.sequin.ir.IrMatrix;
import io.sequin.ir.IrModel;
import io.sequin.tensor.WeightMatrix;
import io.sequin.tensor.WeightType;
import java.util.Collections;
import java.util.Map;

/**
 * A model with its weight matrices in their storage type: what {@link WeightQuantizer} makes of
 * an {@link IrModel}, and what the writer writes. The IR's other values (biases, peepholes,
 * constants) stay f32.
 */
public final class StoredModel {
    private final IrModel ir;
    private final WeightType weights;
    /** By the IR's value arrays, not names: layers may share a name, or one array (a Keras layer called twice). */
    private final Map<float[], WeightMatrix> matrices;

    StoredModel(IrModel ir, WeightType weights, Map<float[], WeightMatrix> matrices) {
        this.ir = ir;
        this.weights = weights;
        this.matrices = Collections.unmodifiableMap(matrices);
    }

    public IrModel ir() {
        return ir;
    }

    /** The storage type of every weight matrix. */
    public WeightType weights() {
        return weights;
    }

    /** The stored form of one of the IR's matrices. */
    public WeightMatrix matrix(IrMatrix m) {
        WeightMatrix stored = matrices.get(m.values);
        if (stored == null || stored.rows() != m.rows() || stored.cols() != m.cols()) {
            throw new IllegalStateException("weight matrix '" + m.name + "' was not quantized in this shape; the model changed after quantization");
        }
        return stored;
    }
}
