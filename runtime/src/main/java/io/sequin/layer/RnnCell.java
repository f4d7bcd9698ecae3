package io.sequin.layer;

import io.sequin.kernel.Kernels;

/** ONNX RNN, one step: {@code Ht = f(Xt·Wiᵀ + Ht-1·Riᵀ + Wbi + Rbi)}. */
final class RnnCell extends Cell {
    private final Activation f;

    /** Direction d of a layer of {@code spec}. */
    RnnCell(Kernels kernels, CellWeights weights, RecurrentSpec spec, int d) {
        super(kernels, weights, spec);
        this.f = spec.activations(d)[0];
    }

    @Override
    void reserve(int rows) {
    }

    @Override
    void finish(float[] gates, float[] h, float[] unused, int rows, boolean[] active) {
        for (int b = 0; b < rows; b++) {
            if (active[b]) {
                int g = b * hidden;
                clip(gates, g, hidden);
                f.apply(kernels, gates, g, hidden);
                System.arraycopy(gates, g, h, b * hidden, hidden);
            }
        }
    }
}
