package io.sequin.layer;

import io.sequin.tensor.StoredTensor;
import java.util.Collections;
import java.util.List;

/**
 * A layer that moves whole tensors' elements and computes nothing (a concatenation, a slice): its
 * values trace through unchanged ({@link #movesOnly}), and a streaming step leaves it off its
 * chain ({@link #canStep}), as such layers join and cut the states a run is given or returns.
 */
abstract class MoveLayer extends BaseLayer {
    /** What the layer does, for the message that it cannot be stepped ("joins whole tensors"). */
    private final String does;

    MoveLayer(String name, List<String> inputs, List<String> outputs, int maxInputs, String does) {
        super(name, inputs, outputs, Collections.<StoredTensor>emptyList(), 1, maxInputs);
        this.does = does;
    }

    @Override
    public final boolean movesOnly() {
        return true;
    }

    @Override
    public final boolean canStep() {
        return false;
    }

    @Override
    public final int stepOutputWidth(int inputWidth) {
        throw new IllegalStateException(name + ": a " + kind() + " layer " + does + "; it cannot be stepped");
    }

    @Override
    public final int stepInputWidth() {
        return -1;
    }

    /** A runner of whole tensors: a step is refused, and there is no state to reset. */
    abstract class MoveRunner implements Runner {
        @Override
        public final void step(float[] x, int xOff, int width, float[] y, int yOff) {
            stepOutputWidth(width);
        }

        @Override
        public final void reset() {
        }
    }
}
