package io.sequin.layer;

import io.sequin.kernel.Kernels;

/** ONNX RNN, one step: {@code Ht = f(Xt·Wiᵀ + Ht-1·Riᵀ + Wbi + Rbi)}. */
final class RnnCell extends Cell {
    private final CellWeights weights;
    private final Activation f;
    private final float[] gates;

    RnnCell(Kernels kernels, int hidden, int inputSize, CellWeights weights, Activation[] activations,
            boolean hasClip, float clip) {
        super(kernels, hidden, inputSize, hasClip, clip);
        this.weights = weights;
        this.f = activations[0];
        this.gates = new float[hidden];
    }

    @Override
    void step(float[] x, int xOff, float[] h, float[] unused) {
        System.arraycopy(weights.bias, 0, gates, 0, hidden);
        kernels.matVecAdd(weights.w, hidden, inputSize, x, xOff, gates, 0);
        kernels.matVecAdd(weights.r, hidden, hidden, h, 0, gates, 0);
        clip(gates, 0, hidden);
        f.apply(gates, 0, hidden);
        System.arraycopy(gates, 0, h, 0, hidden);
    }
}
