package io.sequin.testing;

import io.sequin.ir.IrModel;
import io.sequin.ir.IrRecurrentLayer;
import io.sequin.layer.CellType;
import io.sequin.layer.Direction;
import io.sequin.layer.RecurrentSpec;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import java.util.List;
import java.util.SplittableRandom;

/** Random-weight models for tests that need a layer of a given size rather than a fixture. */
public final class RandomModels {
    private RandomModels() {
    }

    /**
     * One forward layer with ONNX default activations (GRU with linear_before_reset, as PyTorch
     * exports it), weights and biases uniform in ±1/sqrt(hidden) from a seed fixed by the size;
     * input X [seq, batch, input], output Y_h.
     */
    public static IrModel layer(CellType cell, int input, int hidden) {
        return layer(cell, input, hidden, Direction.FORWARD);
    }

    /**
     * As {@link #layer(CellType, int, int)} in the given direction; a layer of more than one
     * direction also outputs Y [seq, 2, batch, hidden].
     */
    public static IrModel layer(CellType cell, int input, int hidden, Direction direction) {
        return layer(cell, input, hidden, direction, cell == CellType.GRU);
    }

    /** As {@link #layer(CellType, int, int, Direction)}, a GRU with linear_before_reset as given. */
    public static IrModel layer(CellType cell, int input, int hidden, Direction direction, boolean linearBeforeReset) {
        SplittableRandom random = new SplittableRandom(input * 31L + hidden);
        IrRecurrentLayer l = new IrRecurrentLayer();
        l.name = cell.name().toLowerCase();
        // ONNX's default activations, which the spec takes when none are given.
        l.spec = RecurrentSpec.builder(cell, hidden, input).direction(direction).linearBeforeReset(linearBeforeReset).build();
        int dirs = direction.count();
        int rows = cell.gates() * hidden;
        l.w = uniform(random, dirs * rows * input, 1 / Math.sqrt(hidden));
        l.r = uniform(random, dirs * rows * hidden, 1 / Math.sqrt(hidden));
        l.b = uniform(random, dirs * 2 * rows, 1 / Math.sqrt(hidden));
        l.inputs = List.of("X");
        l.outputs = cell == CellType.LSTM ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h");
        IrModel m = new IrModel();
        m.inputs.add(new TensorSpec("X", ElementType.FLOAT32, new int[] {-1, -1, input}, new String[] {"seq", "batch", ""}));
        if (dirs > 1) {
            m.outputs.add(new TensorSpec("Y", ElementType.FLOAT32, new int[] {-1, dirs, -1, hidden}, new String[] {"seq", "", "batch", ""}));
        }
        m.outputs.add(new TensorSpec("Y_h", ElementType.FLOAT32, new int[] {dirs, -1, hidden}, new String[] {"", "batch", ""}));
        m.layers.add(l);
        return m;
    }

    public static float[] uniform(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

}
