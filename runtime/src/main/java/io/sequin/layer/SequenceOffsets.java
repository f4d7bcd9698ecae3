package io.sequin.layer;

import io.sequin.tensor.Tensor;

/**
 * The index arithmetic of a recurrent layer's tensors, in one place: where time step t,
 * direction d and batch row b sit in X, Y, the states and the initial states for the
 * {@link RecurrentLayout} at hand and one (sequence, batch) size. One per runner, set for
 * each run; allocates nothing but {@link #shapes}.
 */
final class SequenceOffsets {
    private final RecurrentLayout forms;
    private final int dirs;
    private final int out;
    private final int hidden;
    private int seq;
    private int batch;

    SequenceOffsets(RecurrentSpec spec) {
        this.forms = spec.layout();
        this.dirs = spec.directions();
        this.out = spec.outputSize();
        this.hidden = spec.hiddenSize();
    }

    /** Sizes the offsets for a run of {@code seq} steps and {@code batch} rows. */
    void set(int seq, int batch) {
        this.seq = seq;
        this.batch = batch;
    }

    /** Steps in X's sequence axis: its first or second by the layout. */
    int seq(Tensor x) {
        return forms.xBatchFirst ? x.dim(1) : x.dim(0);
    }

    /** Rows in X's batch axis. */
    int batch(Tensor x) {
        return forms.xBatchFirst ? x.dim(0) : x.dim(1);
    }

    /** The row of X (of I values), of the W·x projection (of gates*H) and of the mask (of 1) that hold step t of batch row b. */
    int xRow(int t, int b) {
        return forms.xBatchFirst ? b * seq + t : t * batch + b;
    }

    /** Where Y holds step t (in input order), direction d, batch row b. */
    int y(int t, int d, int b) {
        int step = forms.yReversed ? seq - 1 - t : t;
        switch (forms.y) {
            case SEQ_BATCH:
                return ((step * batch + b) * dirs + d) * out;
            case BATCH_SEQ:
                return ((b * seq + step) * dirs + d) * out;
            default:
                return forms.layout == 0 ? ((step * dirs + d) * batch + b) * out : ((b * seq + step) * dirs + d) * out;
        }
    }

    /** Where Y_h (width P or H) or Y_c (width H) holds direction d, batch row b. */
    int state(int d, int b, int width) {
        return forms.layout == 0 ? (d * batch + b) * width : (b * dirs + d) * width;
    }

    /** Where initial_h (width P or H) or initial_c (width H) holds direction d, batch row b. */
    int initialState(int d, int b, int width) {
        int rows = forms.stateRows(dirs);
        int row = forms.stateOffset + d;
        return forms.layout == 0 ? (row * batch + b) * width : (b * rows + row) * width;
    }

    /** The shapes of Y, Y_h, Y_c, initial_h and initial_c for the current size. */
    int[][] shapes() {
        int[] state = stateShape(out);
        int[] cell = stateShape(hidden);
        int[] y;
        switch (forms.y) {
            case SEQ_BATCH:
                y = new int[] {seq, batch, dirs * out};
                break;
            case BATCH_SEQ:
                y = new int[] {batch, seq, dirs * out};
                break;
            default:
                y = forms.layout == 0 ? new int[] {seq, dirs, batch, out} : new int[] {batch, seq, dirs, out};
        }
        return new int[][] {y, state, cell, initialStateShape(out), initialStateShape(hidden)};
    }

    private int[] stateShape(int width) {
        return forms.layout == 0 ? new int[] {dirs, batch, width} : forms.mergedStates ? new int[] {batch, dirs * width}
                : new int[] {batch, dirs, width};
    }

    private int[] initialStateShape(int width) {
        int rows = forms.stateRows(dirs);
        return forms.layout == 0 ? new int[] {rows, batch, width} : new int[] {batch, rows, width};
    }
}
