package io.sequin.ir;

import io.sequin.layer.Activation;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import java.util.ArrayList;
import java.util.List;

/**
 * A recurrent layer as importers produce it: ONNX semantics and gate order, f32 weights,
 * activations resolved to explicit functions with alpha and beta. Field meanings are those of
 * {@code RecurrentLayer} in {@code sequin.fbs}.
 */
public final class IrRecurrentLayer {
    public String name;
    /** X, sequence_lens, initial_h, initial_c; "" where absent. */
    public List<String> inputs = new ArrayList<>();
    /** Y, Y_h, Y_c; "" where not produced. */
    public List<String> outputs = new ArrayList<>();
    public CellType cell;
    public Direction direction = Direction.FORWARD;
    public int hiddenSize;
    public int inputSize;
    public int layout;
    public List<Activation> activations = new ArrayList<>();
    public boolean hasClip;
    public float clip;
    public boolean inputForget;
    public boolean linearBeforeReset;
    /** [D, gates*H, I]. */
    public float[] w;
    /** [D, gates*H, H]. */
    public float[] r;
    /** [D, 2*gates*H] or null. */
    public float[] b;
    /** [D, 3H] or null. */
    public float[] p;
}
