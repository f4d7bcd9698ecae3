package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two halves of the last axis combined element by element, y[..., i] = op(x[..., i],
 * x[..., n/2 + i]): Keras Bidirectional's merge modes sum, mul and ave, applied to the
 * directions written side by side. Input: x. Output: y, x's shape with the last axis halved.
 */
public final class HalvesLayer extends BaseLayer {
    /** How the halves combine. */
    public enum Op { SUM, MUL, AVE }

    private final Op op;

    public HalvesLayer(String name, List<String> inputs, List<String> outputs, Op op) {
        super(name, inputs, outputs, List.of(), 1, 1);
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
        a.put("op", op.name().toLowerCase(java.util.Locale.ROOT));
        return a;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (inputWidth % 2 != 0) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " floats per stream cannot be halved");
        }
        return inputWidth / 2;
    }

    @Override
    public int stepInputWidth() {
        return -1;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new Runner() {
            private final OutputBuffer out = new OutputBuffer(name, shape -> OutputBuffer.withLast(shape, shape[shape.length - 1] / 2));
            private final Tensor[] results = new Tensor[1];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = checkX(in);
                Tensor y = out.fresh(x);
                rows(x.floats(), y.floats(), x.size() / x.dim(x.rank() - 1), x.dim(x.rank() - 1) / 2);
                return new Tensor[] {y};
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = checkX(in);
                Tensor y = out.take(x, given.length > 0 ? given[0] : null);
                rows(x.floats(), y.floats(), x.size() / x.dim(x.rank() - 1), x.dim(x.rank() - 1) / 2);
                results[0] = y;
                return results;
            }

            @Override
            public void step(float[] x, int xOff, int width, float[] y, int yOff) {
                int half = stepOutputWidth(width);
                for (int s = 0; s < streams; s++) {
                    combine(x, xOff + s * width, y, yOff + s * half, half);
                }
            }

            @Override
            public void reset() {
            }

            private void rows(float[] x, float[] y, int rows, int half) {
                for (int r = 0; r < rows; r++) {
                    combine(x, r * 2 * half, y, r * half, half);
                }
            }
        };
    }

    private void combine(float[] x, int xOff, float[] y, int yOff, int half) {
        for (int i = 0; i < half; i++) {
            float a = x[xOff + i];
            float b = x[xOff + half + i];
            y[yOff + i] = op == Op.SUM ? a + b : op == Op.MUL ? a * b : (a + b) / 2;
        }
    }

    private Tensor checkX(Tensor[] in) {
        Tensor x = floatInput(in, 0, "x");
        if (x.rank() < 1 || x.dim(x.rank() - 1) % 2 != 0 || x.dim(x.rank() - 1) == 0) {
            throw new IllegalArgumentException(name + ": x has shape " + Tensor.format(x.shape()) + "; its last axis must be even and not 0");
        }
        return x;
    }
}
