package io.sequin.layer;

import io.sequin.kernel.Kernels;

/**
 * One direction of a recurrent layer at work: its weights, the kernels, and one session's
 * scratch. The layer fills each batch row's gate pre-activations with {@code bias + W·x} and, for
 * the first {@link #fusedRows()} gate rows, {@code + R·h}; the cell finishes the step.
 */
abstract class Cell {
    final Kernels kernels;
    final CellWeights weights;
    /** W and R in the kernels' layout. */
    final CellWeights.Packed packed;
    final int hidden;
    private final boolean hasClip;
    private final float clip;

    Cell(Kernels kernels, CellWeights weights, RecurrentSpec spec) {
        this.kernels = kernels;
        this.weights = weights;
        this.packed = weights.packedFor(kernels);
        this.hidden = spec.hiddenSize();
        this.hasClip = spec.hasClip();
        this.clip = spec.clip();
    }

    /** GRU's h rows of R split across a session's threads, or null; set by the runner. */
    ParallelStep split;

    /**
     * GRU's h rows of R times {@code rows} vectors of x (H values each), added into y at
     * {@code yOff + b * yStride}: on the session's threads when the layer is split.
     */
    final void productRh(float[] x, int rows, float[] y, int yOff, int yStride) {
        if (split != null) {
            split.rh(x, rows, y, yOff, yStride);
        } else {
            kernels.gemm(packed.rh, x, 0, hidden, rows, y, yOff, yStride);
        }
    }

    /** Gate rows, gates·H: the width of one batch row's pre-activations. */
    final int gateRows() {
        return weights.gateRows;
    }

    /** How many leading gate rows take {@code R·h} with the old state alone (all but GRU's h gate). */
    final int fusedRows() {
        return weights.fusedRows;
    }

    /** Grows the scratch to hold {@code rows} batch rows. */
    abstract void reserve(int rows);

    /**
     * Finishes one time step for the batch rows whose {@code active} flag is set:
     * {@code gates} [rows][gateRows] holds their pre-activations as described above, and
     * {@code h} and {@code c} [rows][H] are advanced in place ({@code c} only for an LSTM).
     */
    abstract void finish(float[] gates, float[] h, float[] c, int rows, boolean[] active);

    /** ONNX's clip: each gate pre-activation, bias included, is clamped to [-clip, clip]. */
    final void clip(float[] v, int off, int len) {
        if (!hasClip) {
            return;
        }
        for (int i = off; i < off + len; i++) {
            v[i] = Math.max(-clip, Math.min(clip, v[i]));
        }
    }
}
