package io.sequin.ir;

import io.sequin.layer.Activation;
import java.util.List;

/** y = x·Wᵀ + b over the last axis, then the activation if any ({@code DenseLayer} in sequin.fbs). */
public final class IrDenseLayer extends IrLayer {
    public int units;
    public int inputSize;
    /** [units, inputSize], row-major. */
    public float[] w;
    /** [units] or null. */
    public float[] b;
    /** Or null. */
    public Activation activation;

    @Override
    public List<IrMatrix> matrices() {
        return List.of(new IrMatrix(name + ".W", new int[] {units, inputSize}, w));
    }

    @Override
    public int formatVersion() {
        return 2;
    }
}
