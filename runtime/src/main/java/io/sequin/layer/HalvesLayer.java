package io.sequin.layer;

import io.sequin.kernel.Kernels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The two halves of the last axis combined element by element, y[..., i] = op(x[..., i],
 * x[..., n/2 + i]): Keras Bidirectional's merge modes sum, mul and ave, applied to the
 * directions written side by side; or one half alone (merge mode None, which returns the
 * directions as two tensors, and a Bidirectional's returned states). Input: x. Output: y, x's
 * shape with the last axis halved.
 */
public final class HalvesLayer extends RowLayer {
    /** How the halves combine: element by element, or the first or second half alone. */
    public enum Op { SUM, MUL, AVE, FIRST, SECOND }

    private final Op op;

    public HalvesLayer(String name, List<String> inputs, List<String> outputs, Op op) {
        super(name, inputs, outputs);
        this.op = op;
    }

    @Override
    public String kind() {
        return "Halves";
    }

    public Op op() {
        return op;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("op", op.name().toLowerCase(Locale.ROOT));
        return a;
    }

    /** One half alone moves elements only. */
    @Override
    public boolean movesOnly() {
        return op == Op.FIRST || op == Op.SECOND;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (inputWidth % 2 != 0) {
            throw new IllegalArgumentException(name + ": a last axis (or step) of " + inputWidth + " values cannot be halved");
        }
        return inputWidth / 2;
    }

    @Override
    void compute(Kernels kernels, float[] x, int xOff, float[] y, int yOff, int rows, int width) {
        int half = stepOutputWidth(width);
        for (int r = 0; r < rows; r++) {
            combine(x, xOff + r * width, y, yOff + r * half, half);
        }
    }

    private void combine(float[] x, int xOff, float[] y, int yOff, int half) {
        if (op == Op.FIRST || op == Op.SECOND) {
            System.arraycopy(x, xOff + (op == Op.FIRST ? 0 : half), y, yOff, half);
            return;
        }
        for (int i = 0; i < half; i++) {
            float a = x[xOff + i];
            float b = x[xOff + half + i];
            y[yOff + i] = op == Op.SUM ? a + b : op == Op.MUL ? a * b : (a + b) / 2;
        }
    }
}
