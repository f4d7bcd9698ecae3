package io.sequin.layer;

import io.sequin.kernel.Kernels;

/**
 * One direction of a recurrent layer at work: its weights, the kernels, and the scratch of one
 * session. A cell advances the state of one batch row by one time step.
 */
abstract class Cell {
    final Kernels kernels;
    final int hidden;
    final int inputSize;
    private final boolean hasClip;
    private final float clip;

    Cell(Kernels kernels, int hidden, int inputSize, boolean hasClip, float clip) {
        this.kernels = kernels;
        this.hidden = hidden;
        this.inputSize = inputSize;
        this.hasClip = hasClip;
        this.clip = clip;
    }

    /**
     * Reads {@code x[xOff .. xOff+inputSize)} and advances the state in place: {@code h} (and
     * {@code c} for an LSTM; other cells ignore it).
     */
    abstract void step(float[] x, int xOff, float[] h, float[] c);

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
