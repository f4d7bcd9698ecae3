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
 * The layer adds {@code R·h} to z and r only; the h gate's recurrent product needs rt first.
 */
final class GruCell extends Cell {
    private final Activation f;
    private final Activation g;
    private final boolean linearBeforeReset;
    /** Per batch row: rt⊙Ht-1, or Ht-1·Rhᵀ + Rbh. */
    private float[] scratch;

    /** Direction d of a layer of {@code spec}. */
    GruCell(Kernels kernels, CellWeights weights, RecurrentSpec spec, int d) {
        super(kernels, weights, spec);
        Activation[] activations = spec.activations(d);
        this.f = activations[0];
        this.g = activations[1];
        this.linearBeforeReset = spec.linearBeforeReset();
        this.scratch = new float[hidden];
    }

    @Override
    void reserve(int rows) {
        if (scratch.length < rows * hidden) {
            scratch = new float[rows * hidden];
        }
    }

    @Override
    void finish(float[] gates, float[] h, float[] unused, int rows, boolean[] active) {
        int n = hidden;
        int width = 3 * n;
        for (int b = 0; b < rows; b++) {
            if (active[b]) {
                updateAndResetGates(gates, b * width);
            }
        }
        candidates(gates, h, rows, active);
        for (int b = 0; b < rows; b++) {
            if (active[b]) {
                updateHidden(gates, b * width, h, b * n);
            }
        }
    }

    /** zt, rt = f(...) */
    private void updateAndResetGates(float[] gates, int z) {
        clip(gates, z, 2 * hidden);
        f.apply(kernels, gates, z, 2 * hidden);
    }

    /** ht = g(...), with the reset gate applied before or after the recurrent product. */
    private void candidates(float[] gates, float[] h, int rows, boolean[] active) {
        int n = hidden;
        int width = 3 * n;
        if (linearBeforeReset) {
            // scratch = Ht-1·Rhᵀ + Rbh; pre-activation += rt⊙scratch
            for (int b = 0; b < rows; b++) {
                System.arraycopy(weights.rbh, 0, scratch, b * n, n);
            }
            productRh(h, rows, scratch, 0, n);
            for (int b = 0; b < rows; b++) {
                int r = b * width + n;
                int hh = b * width + 2 * n;
                for (int j = 0; j < n; j++) {
                    gates[hh + j] += gates[r + j] * scratch[b * n + j];
                }
            }
        } else {
            // scratch = rt⊙Ht-1; pre-activation += scratch·Rhᵀ
            for (int b = 0; b < rows; b++) {
                int r = b * width + n;
                for (int j = 0; j < n; j++) {
                    scratch[b * n + j] = gates[r + j] * h[b * n + j];
                }
            }
            productRh(scratch, rows, gates, 2 * n, width);
        }
        for (int b = 0; b < rows; b++) {
            if (active[b]) {
                clip(gates, b * width + 2 * n, n);
                g.apply(kernels, gates, b * width + 2 * n, n);
            }
        }
    }

    /** Ht = (1 - zt)⊙ht + zt⊙Ht-1 */
    private void updateHidden(float[] gates, int z, float[] h, int s) {
        int n = hidden;
        for (int j = 0; j < n; j++) {
            float zt = gates[z + j];
            h[s + j] = (1f - zt) * gates[z + 2 * n + j] + zt * h[s + j];
        }
    }
}
