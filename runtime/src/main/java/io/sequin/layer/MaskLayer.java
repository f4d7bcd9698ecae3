package io.sequin.layer;

import io.sequin.kernel.Kernels;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Keras masking: marks the steps a recurrent layer skips. With a feature axis, a step (a row
 * along x's last axis) is masked when every value in it equals {@code value} (Keras' Masking
 * layer); without, every element of x is a step, masked when it equals {@code value} (token ids
 * under {@code Embedding(mask_zero=True)}, value 0).
 *
 * <p>Input: x. Outputs, by position: y, float32 x with the masked steps set to 0 (as Keras'
 * Masking multiplies by the mask; "" when not produced), and mask, float32 1 for a kept step and
 * 0 for a masked one, x's shape (without its last axis when there is a feature axis): the fifth
 * input of a {@link RecurrentLayer}. Streaming, each stream's step is one step, and a session
 * hands the recurrent layers that read the mask whether it was kept.
 */
public final class MaskLayer extends BaseLayer {
    private final float value;
    private final boolean featureAxis;

    public MaskLayer(String name, List<String> inputs, List<String> outputs, float value, boolean featureAxis) {
        super(name, inputs, outputs, Collections.emptyList(), 1, 1, 2);
        if (Float.isNaN(value)) {
            throw new IllegalArgumentException(name + ": the mask value is NaN, which no value equals");
        }
        this.value = value;
        this.featureAxis = featureAxis;
    }

    @Override
    public String kind() {
        return "Mask";
    }

    public float value() {
        return value;
    }

    /** Whether x's last axis holds a step's features (Masking) rather than every element being a step (token ids). */
    public boolean featureAxis() {
        return featureAxis;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("value", value);
        a.put("step", featureAxis ? "a row of the last axis" : "an element");
        return a;
    }

    @Override
    public int stepOutputWidth(int inputWidth) {
        if (!featureAxis && inputWidth != 1) {
            throw new IllegalArgumentException(name + ": steps of " + inputWidth + " values per stream, expected one (a token id)");
        }
        return inputWidth;
    }

    @Override
    public int stepInputWidth() {
        return featureAxis ? -1 : 1;
    }

    @Override
    public String maskOutput() {
        return outputs().get(1);
    }

    /** y, or nothing when the layer makes only a mask: a step then passes its input on. */
    @Override
    public List<String> stepOutputs() {
        return produces(0) ? Collections.singletonList(outputs().get(0)) : Collections.emptyList();
    }

    private boolean produces(int k) {
        return !outputs().get(k).isEmpty();
    }

    /** Whether the step of {@code width} values at x[off..] is kept. */
    private boolean kept(float[] x, int off, int width) {
        for (int i = 0; i < width; i++) {
            if (x[off + i] != value) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Runner newRunner(Kernels kernels, int streams) {
        return new Runner() {
            private final OutputBuffer y = new OutputBuffer(name, shape -> shape);
            private final OutputBuffer mask = new OutputBuffer(name, shape -> featureAxis ? Arrays.copyOf(shape, shape.length - 1) : shape);
            private final Tensor[] results = new Tensor[2];
            private final boolean[] keptStreams = new boolean[streams];

            @Override
            public Tensor[] run(Tensor[] in) {
                Tensor x = checkX(in);
                Tensor[] out = {produces(0) ? y.fresh(x) : null, mask.fresh(x)};
                compute(x, out[0], out[1]);
                return out;
            }

            @Override
            public Tensor[] run(Tensor[] in, Tensor[] given) {
                Tensor x = checkX(in);
                results[0] = produces(0) ? y.take(x, given.length > 0 ? given[0] : null) : null;
                results[1] = mask.take(x, given.length > 1 ? given[1] : null);
                compute(x, results[0], results[1]);
                return results;
            }

            @Override
            public void step(float[] x, int xOff, int width, float[] out, int outOff) {
                stepOutputWidth(width);
                for (int s = 0; s < streams; s++) {
                    int from = xOff + s * width;
                    int to = outOff + s * width;
                    keptStreams[s] = kept(x, from, width);
                    if (keptStreams[s]) {
                        System.arraycopy(x, from, out, to, width);
                    } else {
                        Arrays.fill(out, to, to + width, value * 0f);
                    }
                }
            }

            @Override
            public boolean[] stepKept() {
                return keptStreams;
            }

            @Override
            public void reset() {
            }
        };
    }

    private void compute(Tensor x, Tensor y, Tensor mask) {
        float[] m = mask.floats();
        if (x.type() != ElementType.FLOAT32) {
            // Token ids: every element is a step.
            for (int i = 0; i < m.length; i++) {
                long v = x.type() == ElementType.INT32 ? x.ints()[i] : x.longs()[i];
                m[i] = v != value ? 1f : 0f;
            }
            return;
        }
        float[] xs = x.floats();
        int width = featureAxis ? x.dim(x.rank() - 1) : 1;
        float[] ys = y == null ? null : y.floats();
        for (int r = 0; r < m.length; r++) {
            boolean keep = kept(xs, r * width, width);
            m[r] = keep ? 1f : 0f;
            if (ys != null) {
                for (int i = r * width; i < (r + 1) * width; i++) {
                    // Keras multiplies by the mask: x * 0 is value * 0 on a masked step.
                    ys[i] = keep ? xs[i] : xs[i] * 0f;
                }
            }
        }
    }

    private Tensor checkX(Tensor[] in) {
        Tensor x = in.length > 0 ? in[0] : null;
        if (x == null) {
            throw new IllegalArgumentException(name + ": input x is missing");
        }
        if (featureAxis || produces(0)) {
            if (x.type() != ElementType.FLOAT32) {
                throw new IllegalArgumentException(name + ": x must be float32, not " + x.type().displayName());
            }
        } else if (x.type() != ElementType.INT32 && x.type() != ElementType.INT64 && x.type() != ElementType.FLOAT32) {
            throw new IllegalArgumentException(name + ": x must hold token ids (int32, int64 or float32), not " + x.type().displayName());
        }
        if (featureAxis && x.rank() < 1) {
            throw new IllegalArgumentException(name + ": x is a scalar; masking reads its last axis");
        }
        return x;
    }
}
