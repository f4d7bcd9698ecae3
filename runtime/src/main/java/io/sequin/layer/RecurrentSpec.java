package io.sequin.layer;

import io.sequin.format.Limits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything that describes a recurrent layer but its weights: the cell, direction, sizes,
 * activations, clip, the LSTM's input_forget and the GRU's linear_before_reset, and the forms of
 * its tensors (which include masking and statefulness). Immutable and checked when built, once:
 * the converter's importers make one, the writer stores it, the loader reads it back, and the
 * layer and its cells compute from it.
 */
public final class RecurrentSpec {
    /** The clip of a layer without one: clamping to ±infinity changes nothing. */
    public static final float NO_CLIP = Float.POSITIVE_INFINITY;

    private final CellType cell;
    private final Direction direction;
    private final int hiddenSize;
    private final int inputSize;
    private final int outputSize;
    private final List<Activation> activations;
    private final float clip;
    private final boolean inputForget;
    private final boolean linearBeforeReset;
    private final RecurrentLayout layout;

    private RecurrentSpec(Builder b) {
        this.cell = b.cell;
        this.direction = b.direction;
        this.hiddenSize = b.hiddenSize;
        this.inputSize = b.inputSize;
        this.outputSize = b.projSize == 0 ? b.hiddenSize : b.projSize;
        this.activations = Collections.unmodifiableList(new ArrayList<>(b.activations != null ? b.activations
                : defaultActivations(b.cell, b.direction.count())));
        this.clip = b.clip;
        this.inputForget = b.inputForget;
        this.linearBeforeReset = b.linearBeforeReset;
        this.layout = b.layout;
        check(b.projSize);
    }

    private void check(int projSize) {
        requireWidth("hidden_size", hiddenSize);
        requireWidth("input_size", inputSize);
        if (projSize != 0) {
            requireWidth("proj_size", projSize);
            if (cell != CellType.LSTM) {
                throw new IllegalArgumentException("a projection (proj_size " + projSize + ") is for LSTM layers only, not " + cell);
            }
        }
        int dirs = direction.count();
        if (activations.size() != dirs * cell.activations()) {
            throw new IllegalArgumentException(activations.size() + " activations, expected " + dirs * cell.activations() + " ("
                    + cell.activations() + " per direction)");
        }
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip " + clip + " must be positive (and finite, or no clip)");
        }
        if (inputForget && cell != CellType.LSTM) {
            throw new IllegalArgumentException("input_forget is set on a " + cell + " layer; it applies to LSTM only");
        }
        if (linearBeforeReset && cell != CellType.GRU) {
            throw new IllegalArgumentException("linear_before_reset is set on a " + cell + " layer; it applies to GRU only");
        }
        if (layout.stateOffset + dirs > layout.stateRows(dirs)) {
            throw new IllegalArgumentException("states at rows " + layout.stateOffset + ".." + (layout.stateOffset + dirs - 1)
                    + " of " + layout.stateRows(dirs));
        }
    }

    private static void requireWidth(String what, int v) {
        if (v < 1 || v > Limits.MAX_LAYER_WIDTH) {
            throw new IllegalArgumentException(what + " " + v + " is outside [1, " + Limits.MAX_LAYER_WIDTH + "]");
        }
    }

    /** ONNX's default activations: LSTM sigmoid, tanh, tanh; GRU sigmoid, tanh; RNN tanh; for each direction. */
    private static List<Activation> defaultActivations(CellType cell, int dirs) {
        Activation sigmoid = new Activation(ActivationFunction.SIGMOID, 0, 0);
        Activation tanh = new Activation(ActivationFunction.TANH, 0, 0);
        List<Activation> acts = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            if (cell != CellType.RNN) {
                acts.add(sigmoid);
            }
            for (int k = cell == CellType.RNN ? 0 : 1; k < cell.activations(); k++) {
                acts.add(tanh);
            }
        }
        return acts;
    }

    /** A spec of this cell and these sizes; the rest as ONNX's defaults (forward, layout 0, no clip). */
    public static Builder builder(CellType cell, int hiddenSize, int inputSize) {
        return new Builder(cell, hiddenSize, inputSize);
    }

    /** A builder holding this spec, to change a part of it. */
    public Builder toBuilder() {
        Builder b = new Builder(cell, hiddenSize, inputSize);
        b.direction = direction;
        b.projSize = outputSize == hiddenSize ? 0 : outputSize;
        b.activations = activations;
        b.clip = clip;
        b.inputForget = inputForget;
        b.linearBeforeReset = linearBeforeReset;
        b.layout = layout;
        return b;
    }

    /** This spec with other tensor forms. */
    public RecurrentSpec withLayout(RecurrentLayout layout) {
        return toBuilder().layout(layout).build();
    }

    public CellType cell() {
        return cell;
    }

    public Direction direction() {
        return direction;
    }

    /** Directions, D: 1, or 2 when bidirectional. */
    public int directions() {
        return direction.count();
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int inputSize() {
        return inputSize;
    }

    /** Values per step and direction in Y and the state h: an LSTM projection's P, or the hidden size. */
    public int outputSize() {
        return outputSize;
    }

    /** Whether an LSTM projects its state (PyTorch's proj_size). */
    public boolean hasProjection() {
        return outputSize != hiddenSize;
    }

    /** Rows of one direction's W and R: gates times the hidden size. */
    public int gateRows() {
        return cell.gates() * hiddenSize;
    }

    /** Every activation, in ONNX order per direction (LSTM f, g, h; GRU f, g; RNN f), forward first. */
    public List<Activation> activations() {
        return activations;
    }

    /** Direction d's activations, in ONNX order. */
    public Activation[] activations(int d) {
        int per = cell.activations();
        return activations.subList(d * per, (d + 1) * per).toArray(new Activation[0]);
    }

    /** ONNX's clip, or {@link #NO_CLIP}. */
    public float clip() {
        return clip;
    }

    public boolean hasClip() {
        return clip != NO_CLIP;
    }

    public boolean inputForget() {
        return inputForget;
    }

    public boolean linearBeforeReset() {
        return linearBeforeReset;
    }

    /** The forms of X, Y and the states, the mask's meaning and whether runs carry state. */
    public RecurrentLayout layout() {
        return layout;
    }

    /** Builds a {@link RecurrentSpec}; {@link #build} checks it. */
    public static final class Builder {
        private final CellType cell;
        private final int hiddenSize;
        private final int inputSize;
        private Direction direction = Direction.FORWARD;
        private int projSize;
        private List<Activation> activations;
        private float clip = NO_CLIP;
        private boolean inputForget;
        private boolean linearBeforeReset;
        private RecurrentLayout layout = RecurrentLayout.onnx(0);

        private Builder(CellType cell, int hiddenSize, int inputSize) {
            if (cell == null) {
                throw new IllegalArgumentException("the cell type is missing");
            }
            this.cell = cell;
            this.hiddenSize = hiddenSize;
            this.inputSize = inputSize;
        }

        public Builder direction(Direction direction) {
            this.direction = direction;
            return this;
        }

        /** An LSTM's projection size P (PyTorch's proj_size), or 0 for none. */
        public Builder projSize(int projSize) {
            this.projSize = projSize;
            return this;
        }

        /** Every direction's activations in ONNX order; ONNX's defaults when not given. */
        public Builder activations(List<Activation> activations) {
            this.activations = activations;
            return this;
        }

        /** ONNX's clip: pre-activations clamped to [-clip, clip]; {@link #NO_CLIP} for none. */
        public Builder clip(float clip) {
            this.clip = clip;
            return this;
        }

        public Builder inputForget(boolean inputForget) {
            this.inputForget = inputForget;
            return this;
        }

        public Builder linearBeforeReset(boolean linearBeforeReset) {
            this.linearBeforeReset = linearBeforeReset;
            return this;
        }

        public Builder layout(RecurrentLayout layout) {
            this.layout = layout;
            return this;
        }

        /** @throws IllegalArgumentException naming what does not fit */
        public RecurrentSpec build() {
            return new RecurrentSpec(this);
        }
    }
}
