package io.sequin.layer;

import io.sequin.kernel.Kernels;

/**
 * ONNX GRU, one step (gate blocks z, r, h):
 * <pre>
 * zt = f(Xt·Wzᵀ + Ht-1·Rzᵀ + Wbz + Rbz)
 * rt = f(Xt·Wrᵀ + Ht-1·Rrᵀ + Wbr + Rbr)
 * ht = g(Xt·Whᵀ + (rt⊙Ht-1)·Rhᵀ + Rbh + Wbh)       linear_before_reset = 0
 * ht = g(Xt·Whᵀ + rt⊙(Ht-1·Rhᵀ + Rbh) + Wbh)       linear_before_reset = 1 (PyTorch, Keras reset_after)
 * Ht = (1 - zt)⊙ht + zt⊙Ht-1
 * </pre>
 */
final class GruCell extends Cell {
    private final CellWeights weights;
    private final Activation f;
    private final Activation g;
    private final boolean linearBeforeReset;
    private final float[] gates;
    private final float[] scratch;

    GruCell(Kernels kernels, int hidden, int inputSize, CellWeights weights, Activation[] activations,
            boolean hasClip, float clip, boolean linearBeforeReset) {
        super(kernels, hidden, inputSize, hasClip, clip);
        this.weights = weights;
        this.linearBeforeReset = linearBeforeReset;
        this.f = activations[0];
        this.g = activations[1];
        this.gates = new float[3 * hidden];
        this.scratch = new float[hidden];
    }

    @Override
    void step(float[] x, int xOff, float[] h, float[] unused) {
        int n = hidden;
        // z, r and the input part of h: bias + W·x
        System.arraycopy(weights.bias, 0, gates, 0, 3 * n);
        kernels.matVecAdd(weights.w, 3 * n, inputSize, x, xOff, gates, 0);
        updateAndResetGates(h);
        candidate(h);
        updateHidden(h);
    }

    /** zt, rt = f(... + Ht-1·Rᵀ) */
    private void updateAndResetGates(float[] h) {
        int n = hidden;
        kernels.matVecAdd(weights.r, 2 * n, n, h, 0, gates, 0);
        clip(gates, 0, 2 * n);
        f.apply(gates, 0, 2 * n);
    }

    /** ht = g(...), with the reset gate applied before or after the recurrent product. */
    private void candidate(float[] h) {
        int n = hidden;
        int hOff = 2 * n;
        if (linearBeforeReset) {
            // scratch = Ht-1·Rhᵀ + Rbh; ht pre-activation += rt⊙scratch
            System.arraycopy(weights.rbh, 0, scratch, 0, n);
            kernels.matVecAdd(weights.rh, n, n, h, 0, scratch, 0);
            for (int j = 0; j < n; j++) {
                gates[hOff + j] += gates[n + j] * scratch[j];
            }
        } else {
            // scratch = rt⊙Ht-1; ht pre-activation += scratch·Rhᵀ
            for (int j = 0; j < n; j++) {
                scratch[j] = gates[n + j] * h[j];
            }
            kernels.matVecAdd(weights.rh, n, n, scratch, 0, gates, hOff);
        }
        clip(gates, hOff, n);
        g.apply(gates, hOff, n);
    }

    /** Ht = (1 - zt)⊙ht + zt⊙Ht-1 */
    private void updateHidden(float[] h) {
        int n = hidden;
        for (int j = 0; j < n; j++) {
            float z = gates[j];
            h[j] = (1f - z) * gates[2 * n + j] + z * h[j];
        }
    }
}
