package io.sequin.ir;

import io.sequin.layer.Activation;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.RecurrentLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A recurrent layer as importers produce it: ONNX semantics and gate order, f32 weights,
 * activations resolved to explicit functions with alpha and beta. Field meanings are those of
 * {@code RecurrentLayer} in {@code sequin.fbs}.
 */
public final class IrRecurrentLayer extends IrLayer {
    // inputs: X, sequence_lens, initial_h, initial_c. outputs: Y, Y_h, Y_c.
    public CellType cell;
    public Direction direction = Direction.FORWARD;
    public int hiddenSize;
    public int inputSize;
    public int layout;
    /** X [B, S, I] rather than [S, B, I]; null follows layout. */
    public Boolean xBatchFirst;
    public RecurrentLayout.YLayout yLayout = RecurrentLayout.YLayout.ONNX;
    /** See {@link RecurrentLayout}: this layer's first row in initial_h and initial_c, and their row count (0 = D). */
    public int stateOffset;
    public int stateRows;
    public List<Activation> activations = new ArrayList<>();
    public boolean hasClip;
    public float clip;
    public boolean inputForget;
    public boolean linearBeforeReset;
    /** [D, gates*H, I]. */
    public float[] w;
    /** [D, gates*H, H], or [D, gates*H, P] with a projection. */
    public float[] r;
    /** [D, 2*gates*H] or null. */
    public float[] b;
    /** [D, 3H] or null. */
    public float[] p;
    /** LSTM projection (PyTorch's proj_size P): [D, P, H], or null; R is then [D, gates*H, P]. */
    public float[] proj;
    public int projSize;
    /** Layout 1 only: Y_h and Y_c as [B, D*H]. */
    public boolean mergedStates;
    /** Y's step k holds input step S-1-k. */
    public boolean yReversed;
    /** Keras' stateful: runs carry their final states to the next run of the session. */
    public boolean stateful;
    /** Y holds 0 at masked steps (Keras' zero_output_for_mask); the mask is the fifth input. */
    public boolean zeroMaskedOutputs;

    /** X's batch axis comes first. */
    public boolean xBatchFirst() {
        return xBatchFirst != null ? xBatchFirst : layout == 1;
    }

    /** The forms of X, Y and the states these fields describe, as the runtime will read them. */
    public RecurrentLayout forms() {
        return new RecurrentLayout(layout, xBatchFirst(), yLayout, stateOffset, stateRows, mergedStates, yReversed, stateful,
                zeroMaskedOutputs);
    }

    @Override
    public int formatVersion() {
        if (zeroMaskedOutputs || (inputs.size() > 4 && !inputs.get(4).isEmpty())) {
            return 3;
        }
        return forms().isOnnx() && proj == null ? 1 : 2;
    }
}
