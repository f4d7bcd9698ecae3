package io.sequin.session;

import io.sequin.kernel.Kernels;
import io.sequin.layer.Layer;
import io.sequin.model.Model;
import io.sequin.model.TensorSpec;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stream of work on a {@link Model}: owns the scratch memory of every layer, allocated when
 * the session is created. A session must be used by one thread at a time; create one per thread.
 */
public final class Session {
    private final Model model;
    private final Kernels kernels;
    private final Map<String, Tensor> constants = new HashMap<>();
    private final List<Layer.Runner> runners = new ArrayList<>();

    /** Use {@link Model#newSession()}. */
    public Session(Model model, Kernels kernels) {
        this.model = model;
        this.kernels = kernels;
        for (var c : model.constants()) {
            constants.put(c.name(), model.constant(c.name()));
        }
        for (Layer layer : model.layers()) {
            runners.add(layer.newRunner(kernels));
        }
    }

    public Model model() {
        return model;
    }

    public Kernels kernels() {
        return kernels;
    }

    /**
     * Runs the whole model once.
     *
     * @param inputs a tensor for every model input, by name; an int64 tensor is accepted for an
     *     int32 input (and the reverse) when every value fits
     * @return every model output by name, in the model's output order
     * @throws IllegalArgumentException if an input is missing, unknown, or of the wrong type or
     *     shape (the message names it and what was expected)
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, Tensor> env = new HashMap<>(constants);
        for (String name : inputs.keySet()) {
            if (model.inputs().stream().noneMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException("unknown input '" + name + "'; the model's inputs are " + inputNames());
            }
        }
        for (TensorSpec spec : model.inputs()) {
            Tensor t = inputs.get(spec.name());
            if (t == null) {
                throw new IllegalArgumentException("input '" + spec.name() + "' is missing; the model's inputs are " + inputNames());
            }
            env.put(spec.name(), conform(spec, t));
        }
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<String> names = layer.inputs();
            Tensor[] in = new Tensor[names.size()];
            for (int k = 0; k < in.length; k++) {
                in[k] = names.get(k).isEmpty() ? null : env.get(names.get(k));
            }
            Tensor[] out = runners.get(i).run(in);
            List<String> outNames = layer.outputs();
            for (int k = 0; k < outNames.size() && k < out.length; k++) {
                if (!outNames.get(k).isEmpty() && out[k] != null) {
                    env.put(outNames.get(k), out[k]);
                }
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (TensorSpec spec : model.outputs()) {
            Tensor t = env.get(spec.name());
            if (t == null) {
                throw new IllegalStateException("output '" + spec.name() + "' was not computed");
            }
            result.put(spec.name(), t);
        }
        return result;
    }

    private String inputNames() {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : model.inputs()) {
            names.add(s.name());
        }
        return names.toString();
    }

    private static Tensor conform(TensorSpec spec, Tensor t) {
        if (!spec.accepts(t.shape())) {
            throw new IllegalArgumentException("input '" + spec.name() + "' has shape " + Tensor.format(t.shape())
                    + ", expected " + spec.shapeString());
        }
        if (t.type() == spec.type()) {
            return t;
        }
        if (spec.type() == ElementType.INT32 && t.type() == ElementType.INT64) {
            long[] v = t.longs();
            int[] narrowed = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("input '" + spec.name() + "' element " + i + " = " + v[i] + " does not fit int32");
                }
                narrowed[i] = (int) v[i];
            }
            return Tensor.ofInts(t.shape(), narrowed);
        }
        if (spec.type() == ElementType.INT64 && t.type() == ElementType.INT32) {
            int[] v = t.ints();
            long[] widened = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                widened[i] = v[i];
            }
            return Tensor.ofLongs(t.shape(), widened);
        }
        throw new IllegalArgumentException("input '" + spec.name() + "' is " + t.type().displayName()
                + ", expected " + spec.type().displayName());
    }
}
