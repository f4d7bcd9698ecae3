package io.sequin.ir;

import io.sequin.layer.RecurrentSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A recurrent layer as importers produce it: its {@link RecurrentSpec} (the description the
 * runtime computes from) and f32 weights in the gate order of {@link #gateOrder}, which the
 * converter's normalization turns into ONNX's before anything else reads them.
 * Inputs: X, sequence_lens, initial_h, initial_c, mask. Outputs: Y, Y_h, Y_c.
 */
public final class IrRecurrentLayer extends IrLayer {
    /** What the layer computes; importers set it once they know all of it. */
    public RecurrentSpec spec;
    /** The gate order of w, r and b as the importer wrote them. */
    public GateOrder gateOrder = GateOrder.ONNX;
    /** [D, gates*H, I]. */
    public float[] w;
    /** [D, gates*H, H], or [D, gates*H, P] with a projection. */
    public float[] r;
    /** [D, 2*gates*H] (Wb then Rb per direction) or null. */
    public float[] b;
    /** LSTM peepholes [D, 3H] (i, o, f) or null. */
    public float[] p;
    /** LSTM projection (PyTorch's proj_size P): [D, P, H], or null. */
    public float[] proj;

    /** W, R and the projection, if any: [D, gates*H, I], [D, gates*H, P or H], [D, P, H]. */
    @Override
    public List<IrMatrix> matrices() {
        int dirs = spec.directions();
        int rows = spec.gateRows();
        List<IrMatrix> m = new ArrayList<>();
        m.add(new IrMatrix(name + ".W", new int[] {dirs, rows, spec.inputSize()}, w));
        m.add(new IrMatrix(name + ".R", new int[] {dirs, rows, spec.outputSize()}, r));
        if (proj != null) {
            m.add(new IrMatrix(name + ".proj", new int[] {dirs, spec.outputSize(), spec.hiddenSize()}, proj));
        }
        return m;
    }

    @Override
    public int formatVersion() {
        if (spec.layout().zeroMaskedOutputs || (inputs.size() > 4 && !inputs.get(4).isEmpty())) {
            return 3;
        }
        return spec.layout().isOnnx() && proj == null ? 1 : 2;
    }
}
